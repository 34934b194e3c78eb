// SSRF guard for client-supplied webhook URLs. Without it a client could point deliveries at our own
// network: loopback admin ports, the cloud metadata service, databases on private addresses.
// The address check runs twice: when the URL is registered (to give the client a clear error) and
// again inside the connection's DNS lookup, because a hostname can resolve differently by then
// (DNS rebinding) and only the connect-time check decides where bytes actually go.

import { promises as dnsPromises, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { AppError } from '../platform/app-error.js';

export type LookupAll = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

export interface UrlPolicy {
  requireHttps: boolean;
  /** CIDRs (from parseAllowedNetworks) reachable even though they are not public, e.g. loopback in tests. */
  allowedNetworks: readonly string[];
  lookup?: LookupAll;
}

export interface UrlGuard {
  /** Everything that can be decided without DNS. Returns the parsed, normalised URL. */
  checkSyntax(raw: string): URL;
  /** checkSyntax, then every address the hostname resolves to must be allowed. */
  check(raw: string): Promise<URL>;
  isAllowedAddress(ip: string): boolean;
  /** For undici's `new Agent({ connect: { lookup } })` or `net.connect({ lookup })`. */
  connectLookup: LookupFunction;
}

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

const MAX_URL_LENGTH = 2048;

// ipaddr.js names these ranges; everything it calls 'unicast' is public except what is listed below.
// IPv4 ranges it already classifies as special are repeated so a future change to its tables cannot
// quietly open them.
const EXTRA_BLOCKED_V4: readonly Cidr[] = [
  ipaddr.IPv4.parseCIDR('0.0.0.0/8'),
  ipaddr.IPv4.parseCIDR('192.0.0.0/24'),
  ipaddr.IPv4.parseCIDR('198.18.0.0/15'),
];
// Only 2000::/3 is allocated for global unicast. Outside it ipaddr.js says 'unicast' for, among
// others, the deprecated IPv4-compatible form ::a.b.c.d (::7f00:1 is 127.0.0.1 on some stacks).
const GLOBAL_UNICAST_V6: Cidr = ipaddr.IPv6.parseCIDR('2000::/3');

export const defaultLookupAll: LookupAll = (hostname) => dnsPromises.lookup(hostname, { all: true, verbatim: true });

/**
 * Comma-separated CIDRs or single addresses, IPv4 or IPv6, as canonical CIDR strings (a single
 * address becomes /32 or /128, host bits are cleared). Throws naming the first bad entry.
 */
export function parseAllowedNetworks(text: string): string[] {
  if (text.trim() === '') return [];
  return text.split(',').map((part) => {
    const entry = part.trim();
    const cidr = parseNetwork(entry);
    if (cidr === null) {
      throw new Error(`Invalid allowed network "${entry}": expected an IPv4 or IPv6 address or CIDR, e.g. 127.0.0.0/8 or ::1/128`);
    }
    return `${cidr[0].toString()}/${cidr[1]}`;
  });
}

export function createUrlGuard(policy: UrlPolicy): UrlGuard {
  const lookupAll = policy.lookup ?? defaultLookupAll;
  const allowed: Cidr[] = policy.allowedNetworks.map((text) => {
    const cidr = parseNetwork(text);
    if (cidr === null) throw new Error(`Invalid allowed network "${text}"`);
    return cidr;
  });

  function isAllowedAddress(ip: string): boolean {
    // Node's own notion of an address, since Node makes the connection: ipaddr.js alone would also
    // read shorthand such as "1.2.3" (as 1.2.0.3), which no resolver returns.
    if (isIP(ip) === 0) return false;
    let addr: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      // process() turns ::ffff:a.b.c.d into the IPv4 address it reaches, so it meets the IPv4 rules.
      addr = ipaddr.process(ip);
    } catch {
      return false;
    }
    if (allowed.some((cidr) => inNetwork(addr, cidr))) return true;
    if (addr.range() !== 'unicast') return false;
    if (addr.kind() === 'ipv4') return !EXTRA_BLOCKED_V4.some((cidr) => addr.match(cidr));
    return addr.match(GLOBAL_UNICAST_V6);
  }

  function checkSyntax(raw: string): URL {
    if (raw.length > MAX_URL_LENGTH) throw invalid(`The webhook URL is longer than ${MAX_URL_LENGTH} characters`);
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw invalid('The webhook URL is not a valid absolute URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('The webhook URL must use https or http');
    // Checked on href because an empty fragment ("…/#") leaves url.hash empty.
    if (url.href.includes('#')) throw invalid('The webhook URL must not contain a fragment');
    if (url.hostname === '') throw invalid('The webhook URL has no host');
    if (url.username !== '' || url.password !== '') {
      throw new AppError('webhook.url_credentials', 'The webhook URL must not contain a username or password');
    }
    if (policy.requireHttps && url.protocol !== 'https:') {
      throw new AppError('webhook.url_https_required', 'The webhook URL must use https');
    }
    // WHATWG parsing already turned 2130706433, 0x7f.1 and friends into dotted quads.
    const literal = ipLiteral(url.hostname);
    if (literal !== null && !isAllowedAddress(literal)) throw blocked(url.hostname);
    return url;
  }

  async function check(raw: string): Promise<URL> {
    const url = checkSyntax(raw);
    if (ipLiteral(url.hostname) !== null) return url;
    let addresses: Array<{ address: string; family: number }>;
    try {
      addresses = await lookupAll(url.hostname);
    } catch (e) {
      throw unresolvable(url.hostname, e);
    }
    if (addresses.length === 0) throw unresolvable(url.hostname);
    // Any one bad address is enough: the connection may pick any of them.
    if (!addresses.every((a) => isAllowedAddress(a.address))) throw blocked(url.hostname);
    return url;
  }

  const connectLookup: LookupFunction = (hostname, options, callback) => {
    resolveForConnect(hostname, options).then(
      (addresses) => {
        if (options.all === true) callback(null, addresses);
        else {
          const first = addresses[0] as LookupAddress;
          callback(null, first.address, first.family);
        }
      },
      (err: NodeJS.ErrnoException) => callback(err, options.all === true ? [] : ''),
    );
  };

  async function resolveForConnect(hostname: string, options: LookupOptions): Promise<LookupAddress[]> {
    const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
    const family = isIP(bare);
    const resolved = family !== 0 ? [{ address: bare, family }] : await lookupAll(bare);
    // Refuse the host outright rather than filtering: a name that mixes public and internal
    // addresses is exactly what a rebinding attack looks like.
    if (!resolved.every((a) => isAllowedAddress(a.address))) {
      throw errnoError('EWEBHOOKBLOCKED', `Webhook host ${hostname} resolves to a blocked address`, hostname);
    }
    const wanted = wantedFamily(options.family);
    const usable = resolved.filter((a) => wanted === 0 || a.family === wanted);
    if (usable.length === 0) throw errnoError('ENOTFOUND', `Webhook host ${hostname} has no usable address`, hostname);
    return usable.map((a) => ({ address: a.address, family: a.family }));
  }

  return { checkSyntax, check, isAllowedAddress, connectLookup };
}

function parseNetwork(text: string): Cidr | null {
  if (text.includes('%')) return null;
  const slash = text.indexOf('/');
  const addr = slash === -1 ? text : text.slice(0, slash);
  // Dotted quads only: ipaddr.js also reads "127.1" and "0x7f.1", which in a config file are
  // more likely typos than intent.
  if (ipaddr.IPv4.isValidFourPartDecimal(addr)) {
    const cidr = slash === -1 ? `${addr}/32` : text;
    if (!ipaddr.IPv4.isValidCIDRFourPartDecimal(cidr)) return null;
    const prefix = ipaddr.IPv4.parseCIDR(cidr)[1];
    return [ipaddr.IPv4.networkAddressFromCIDR(cidr), prefix];
  }
  if (ipaddr.IPv6.isValid(addr)) {
    const cidr = slash === -1 ? `${addr}/128` : text;
    if (!ipaddr.IPv6.isValidCIDR(cidr)) return null;
    const prefix = ipaddr.IPv6.parseCIDR(cidr)[1];
    return [ipaddr.IPv6.networkAddressFromCIDR(cidr), prefix];
  }
  return null;
}

function inNetwork(addr: ipaddr.IPv4 | ipaddr.IPv6, [net, prefix]: Cidr): boolean {
  if (addr.kind() === net.kind()) return addr.match(net, prefix);
  // An IPv6 entry such as ::ffff:0:0/96 or ::/0 also covers the IPv4 addresses it maps.
  if (addr.kind() === 'ipv4' && net.kind() === 'ipv6') return (addr as ipaddr.IPv4).toIPv4MappedAddress().match(net, prefix);
  return false;
}

function ipLiteral(hostname: string): string | null {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) !== 0 ? bare : null;
}

function wantedFamily(family: LookupOptions['family']): 0 | 4 | 6 {
  if (family === 4 || family === 'IPv4') return 4;
  if (family === 6 || family === 'IPv6') return 6;
  return 0;
}

function errnoError(code: string, message: string, hostname: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException & { hostname?: string } = new Error(message);
  err.code = code;
  err.hostname = hostname;
  return err;
}

function invalid(message: string): AppError {
  return new AppError('webhook.url_invalid', message);
}

function blocked(host: string): AppError {
  return new AppError('webhook.url_blocked_address', 'The webhook URL points to an address that is not allowed', {
    details: { host },
  });
}

function unresolvable(host: string, cause?: unknown): AppError {
  return new AppError('webhook.url_unresolvable', 'The webhook URL host does not resolve', {
    details: { host },
    ...(cause === undefined ? {} : { cause }),
  });
}
