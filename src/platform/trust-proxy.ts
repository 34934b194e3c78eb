import ipaddr from 'ipaddr.js';

/** What Express's `trust proxy` setting receives: off, on, a hop count, or trusted addresses. */
export type TrustProxy = boolean | number | string[];

const NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function checkEntry(entry: string): void {
  if (NAMES.has(entry)) return;
  const slash = entry.indexOf('/');
  const address = slash < 0 ? entry : entry.slice(0, slash);
  if (!ipaddr.isValid(address)) throw new Error(`"${entry}" is not an IP address, CIDR or one of loopback, linklocal, uniquelocal`);
  if (slash < 0) return;
  const range = entry.slice(slash + 1);
  const max = ipaddr.parse(address).kind() === 'ipv4' ? 32 : 128;
  const isPrefix = /^\d{1,3}$/.test(range) && Number(range) <= max;
  if (!isPrefix && !(ipaddr.IPv4.isValidFourPartDecimal(range) && max === 32)) throw new Error(`"${entry}" has an invalid prefix length or netmask`);
}

/**
 * TRUST_PROXY, with Express's semantics: `false` (default) uses the socket's address; `true` trusts every
 * hop (the left-most X-Forwarded-For address counts: only behind a proxy that overwrites it); a number trusts
 * that many hops; otherwise a comma-separated list of trusted proxy addresses, CIDRs or the names
 * loopback, linklocal, uniquelocal.
 */
export function parseTrustProxy(raw: string): TrustProxy {
  const text = raw.trim().toLowerCase();
  if (text === '' || text === 'false' || text === '0') return false;
  if (text === 'true') return true;
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops > 32) throw new Error('a hop count must be 0–32');
    return hops;
  }
  const entries = text.split(',').map((s) => s.trim()).filter(Boolean);
  entries.forEach(checkEntry);
  return entries;
}
