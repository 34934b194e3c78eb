import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { AppError } from '../../src/platform/app-error.js';
import {
  createUrlGuard,
  parseAllowedNetworks,
  type LookupAll,
  type UrlPolicy,
} from '../../src/webhooks/url-guard.js';

const PUBLIC_V4 = '93.184.215.14';
const PUBLIC_V6 = '2606:2800:21f:cb07:6820:80da:af6b:8b2c';

/** A DNS that answers from a table; unknown names fail the way dns.lookup does. */
function fakeDns(table: Record<string, string[]>): LookupAll & { calls: string[] } {
  const calls: string[] = [];
  const lookup = async (hostname: string): Promise<Array<{ address: string; family: number }>> => {
    calls.push(hostname);
    const addrs = table[hostname];
    if (addrs === undefined) {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
    }
    return addrs.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(lookup, { calls });
}

const dns = fakeDns({
  'example.com': [PUBLIC_V4, PUBLIC_V6],
  'public.test': [PUBLIC_V4],
  'internal.test': ['10.1.2.3'],
  'mixed.test': [PUBLIC_V4, '10.0.0.7'],
  'mapped.test': ['::ffff:169.254.169.254'],
  'empty.test': [],
});

const guard = (overrides: Partial<UrlPolicy> = {}): ReturnType<typeof createUrlGuard> =>
  createUrlGuard({ requireHttps: false, allowedNetworks: [], lookup: dns, ...overrides });

async function rejectsWith(p: Promise<unknown>, code: string, label: string): Promise<AppError> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof AppError, `${label}: expected AppError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, label);
  assert.equal(caught.status, 400, label);
  return caught;
}

test('refused without an allow-list: internal, special and disguised addresses', async () => {
  const g = guard();
  for (const url of [
    'http://127.0.0.1',
    'http://127.0.0.1:8080/hook',
    'http://10.0.0.1',
    'http://169.254.169.254/latest/meta-data',
    'http://[::1]',
    'http://[::ffff:127.0.0.1]',
    'http://[::ffff:7f00:1]/',
    'http://[::127.0.0.1]/',
    'http://[64:ff9b::127.0.0.1]/',
    'http://0.0.0.0',
    'http://0/',
    'http://2130706433',
    'http://0x7f.1/',
    'http://017700000001/',
    'http://127.1/',
    'http://100.100.100.200',
    'http://[fd00:ec2::254]',
    'http://[fe80::1]/',
    'http://224.0.0.1',
    'http://255.255.255.255/',
    'http://192.168.1.1:8080',
    'http://172.16.0.1',
    'http://192.0.0.170/',
    'http://198.18.0.1/',
    'http://[2001:db8::1]/',
  ]) {
    const err = await rejectsWith(g.check(url), 'webhook.url_blocked_address', url);
    assert.ok(typeof err.details?.host === 'string', url);
  }
  // IP literals are judged without DNS.
  assert.deepEqual(dns.calls, []);
});

test('refused when a hostname resolves to a private address, or to any private one among several', async () => {
  const g = guard();
  const err = await rejectsWith(g.check('https://internal.test/hook'), 'webhook.url_blocked_address', 'internal');
  assert.deepEqual(err.details, { host: 'internal.test' });
  assert.ok(!err.message.includes('10.1.2.3'), 'the resolved address is not echoed');
  await rejectsWith(g.check('https://mixed.test/hook'), 'webhook.url_blocked_address', 'mixed');
  await rejectsWith(g.check('https://mapped.test/hook'), 'webhook.url_blocked_address', 'mapped');
});

test('the blocked-address error never echoes credentials, path or query', async () => {
  const err = await rejectsWith(
    guard().check('http://10.0.0.1/hook?token=s3cr3t'),
    'webhook.url_blocked_address',
    'query',
  );
  assert.deepEqual(err.details, { host: '10.0.0.1' });
  assert.ok(!JSON.stringify({ m: err.message, d: err.details }).includes('s3cr3t'));
});

test('refused on syntax: credentials, scheme, fragment, length, not a URL', async () => {
  const g = guard();
  const cases: Array<[string, string]> = [
    ['https://user:pass@example.com', 'webhook.url_credentials'],
    ['https://user@example.com/', 'webhook.url_credentials'],
    ['https://:pass@example.com/', 'webhook.url_credentials'],
    ['ftp://example.com', 'webhook.url_invalid'],
    ['javascript:alert(1)', 'webhook.url_invalid'],
    ['file:///etc/passwd', 'webhook.url_invalid'],
    ['data:text/plain,hi', 'webhook.url_invalid'],
    ['https://example.com/#frag', 'webhook.url_invalid'],
    ['https://example.com/#', 'webhook.url_invalid'],
    ['/relative/path', 'webhook.url_invalid'],
    ['example.com/hook', 'webhook.url_invalid'],
    ['', 'webhook.url_invalid'],
    ['https://', 'webhook.url_invalid'],
    ['https://exa mple.com/', 'webhook.url_invalid'],
    [`https://example.com/${'a'.repeat(2048)}`, 'webhook.url_invalid'],
  ];
  for (const [url, code] of cases) {
    await rejectsWith(g.check(url), code, url);
    assert.throws(() => g.checkSyntax(url), (e: unknown) => e instanceof AppError && e.code === code, url);
  }
});

test('http is refused when https is required, before any DNS', async () => {
  const calls = dns.calls.length;
  const g = guard({ requireHttps: true });
  await rejectsWith(g.check('http://public.test/hook'), 'webhook.url_https_required', 'http');
  await rejectsWith(g.check('http://10.0.0.1/'), 'webhook.url_https_required', 'http private');
  assert.equal(dns.calls.length, calls);
  assert.equal((await g.check('https://public.test/hook')).href, 'https://public.test/hook');
});

test('accepted: a hostname resolving only to public addresses, v4 and v6', async () => {
  const g = guard({ requireHttps: true });
  const url = await g.check('https://example.com/webhooks/payval?x=1');
  assert.ok(url instanceof URL);
  assert.equal(url.hostname, 'example.com');
  assert.equal(url.href, 'https://example.com/webhooks/payval?x=1');
  assert.equal((await g.check(`https://${PUBLIC_V4}:8443/x`)).port, '8443');
  assert.equal((await g.check(`https://[${PUBLIC_V6}]/x`)).hostname, `[${PUBLIC_V6}]`);
});

test('checkSyntax alone judges IP literals but leaves hostnames to check()', () => {
  const g = guard();
  assert.equal(g.checkSyntax('https://internal.test/hook').hostname, 'internal.test');
  assert.throws(
    () => g.checkSyntax('http://2130706433/'),
    (e: unknown) => e instanceof AppError && e.code === 'webhook.url_blocked_address' && e.details?.host === '127.0.0.1',
  );
});

test('unresolvable hosts: lookup error or no addresses', async () => {
  const g = guard();
  const err = await rejectsWith(g.check('https://nowhere.test/'), 'webhook.url_unresolvable', 'enotfound');
  assert.deepEqual(err.details, { host: 'nowhere.test' });
  await rejectsWith(g.check('https://empty.test/'), 'webhook.url_unresolvable', 'empty');
});

test('the default lookup uses real DNS: localhost is refused', async () => {
  const g = createUrlGuard({ requireHttps: false, allowedNetworks: [] });
  await rejectsWith(g.check('http://localhost:8080/hook'), 'webhook.url_blocked_address', 'localhost');
});

test('with an allow-list, the listed networks pass and everything else is still refused', async () => {
  const g = guard({ allowedNetworks: parseAllowedNetworks('127.0.0.0/8,::1/128') });
  assert.equal((await g.check('http://127.0.0.1:8080/hook')).href, 'http://127.0.0.1:8080/hook');
  assert.equal((await g.check('http://[::1]:9/x')).href, 'http://[::1]:9/x');
  assert.equal((await g.check('http://[::ffff:127.0.0.1]/x')).hostname, '[::ffff:7f00:1]');
  await rejectsWith(g.check('http://10.0.0.1/'), 'webhook.url_blocked_address', '10.0.0.1');
  await rejectsWith(g.check('http://169.254.169.254/'), 'webhook.url_blocked_address', 'metadata');
  // The allow-list does not relax the other rules.
  await rejectsWith(g.check('http://user:pw@127.0.0.1/'), 'webhook.url_credentials', 'credentials');
  await rejectsWith(
    guard({ requireHttps: true, allowedNetworks: ['127.0.0.0/8'] }).check('http://127.0.0.1/'),
    'webhook.url_https_required',
    'https',
  );
});

test('isAllowedAddress: only ordinary public unicast, unless allow-listed', () => {
  const g = guard();
  for (const ip of [PUBLIC_V4, '8.8.8.8', '1.1.1.1', PUBLIC_V6, '2a00:1450:4001:80b::200e', `::ffff:${PUBLIC_V4}`]) {
    assert.equal(g.isAllowedAddress(ip), true, ip);
  }
  for (const ip of [
    '127.0.0.1', '10.0.0.1', '172.31.255.255', '192.168.0.1', '169.254.169.254', '100.64.0.1', '100.100.100.200',
    '0.0.0.0', '0.1.2.3', '255.255.255.255', '224.0.0.1', '239.255.255.250', '240.0.0.1', '192.0.0.170', '192.0.2.1',
    '198.18.0.1', '198.19.255.255', '198.51.100.1', '203.0.113.1', '192.88.99.1', '192.175.48.1', '192.52.193.1',
    '::', '::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '::7f00:1', '::a00:1', 'fe80::1', 'fe80::1%eth0', 'fc00::1',
    'fd00:ec2::254', 'fec0::1', 'ff02::1', '64:ff9b::7f00:1', '64:ff9b:1::1', '::ffff:0:7f00:1', '2002:7f00:1::1',
    '2001::1', '2001:2::1', '2001:3::1', '2001:4:112::1', '2001:20::1', '2001:db8::1', '100::1', '4000::1', '5f00::1',
    '3fff::1',
  ]) {
    assert.equal(g.isAllowedAddress(ip), false, ip);
  }
  for (const ip of ['', 'example.com', '256.0.0.1', '1.2.3', '134744072', '0x8.8.8.8', '::g', '1.2.3.4/32', ' 8.8.8.8']) {
    assert.equal(g.isAllowedAddress(ip), false, JSON.stringify(ip));
  }
  const allowing = guard({ allowedNetworks: parseAllowedNetworks('10.1.2.3,fd00::/8') });
  assert.equal(allowing.isAllowedAddress('10.1.2.3'), true);
  assert.equal(allowing.isAllowedAddress('::ffff:10.1.2.3'), true);
  assert.equal(allowing.isAllowedAddress('10.1.2.4'), false);
  assert.equal(allowing.isAllowedAddress('fd00:ec2::254'), true);
  assert.equal(allowing.isAllowedAddress('fc00::1'), false);
});

test('parseAllowedNetworks normalises CIDRs and single addresses', () => {
  assert.deepEqual(parseAllowedNetworks(''), []);
  assert.deepEqual(parseAllowedNetworks('   '), []);
  assert.deepEqual(parseAllowedNetworks('127.0.0.0/8,::1/128,10.1.2.3'), ['127.0.0.0/8', '::1/128', '10.1.2.3/32']);
  assert.deepEqual(parseAllowedNetworks(' 10.9.8.7/8 , FD00:0:0::1/16, ::1 '), ['10.0.0.0/8', 'fd00::/16', '::1/128']);
  assert.deepEqual(parseAllowedNetworks('0.0.0.0/0,::/0'), ['0.0.0.0/0', '::/0']);
});

test('parseAllowedNetworks names the bad entry', () => {
  for (const bad of ['10.0.0.0/33', '::1/129', 'localhost', '127.1', '0x7f.0.0.1', '10.0.0.0/', '10.0.0.0/8/8', 'fe80::1%eth0', '1.2.3.4/-1', '']) {
    assert.throws(
      () => parseAllowedNetworks(`127.0.0.0/8,${bad}`),
      (e: Error) => e.message.includes(`"${bad}"`),
      JSON.stringify(bad),
    );
  }
  assert.throws(() => createUrlGuard({ requireHttps: false, allowedNetworks: ['nope'] }), /"nope"/);
});

type LookupResult = { err: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number };

function connectLookupOf(g: ReturnType<typeof createUrlGuard>, host: string, options: { all?: boolean; family?: number }): Promise<LookupResult> {
  return new Promise((resolve) => {
    g.connectLookup(host, options, (err, address, family) => resolve({ err, address, family }));
  });
}

test('connectLookup refuses a hostname that now resolves to a private address (DNS rebinding)', async () => {
  const answers: Record<string, string[]> = { 'rebind.test': [PUBLIC_V4] };
  const g = guard({ lookup: fakeDns(answers) });
  assert.equal((await g.check('https://rebind.test/hook')).hostname, 'rebind.test');
  answers['rebind.test'] = ['10.0.0.5'];
  for (const all of [false, true]) {
    const r = await connectLookupOf(g, 'rebind.test', { all });
    assert.equal(r.err?.code, 'EWEBHOOKBLOCKED', `all=${all}`);
    assert.ok(!r.err.message.includes('10.0.0.5'));
  }
  answers['rebind.test'] = [PUBLIC_V4, '127.0.0.1'];
  assert.equal((await connectLookupOf(g, 'rebind.test', { all: true })).err?.code, 'EWEBHOOKBLOCKED');
  answers['rebind.test'] = ['::ffff:169.254.169.254'];
  assert.equal((await connectLookupOf(g, 'rebind.test', {})).err?.code, 'EWEBHOOKBLOCKED');
});

test('connectLookup returns the address for a public host, in single and all forms', async () => {
  const g = guard();
  const single = await connectLookupOf(g, 'public.test', {});
  assert.deepEqual(single, { err: null, address: PUBLIC_V4, family: 4 });
  const all = await connectLookupOf(g, 'example.com', { all: true });
  assert.equal(all.err, null);
  assert.deepEqual(all.address, [
    { address: PUBLIC_V4, family: 4 },
    { address: PUBLIC_V6, family: 6 },
  ]);
  const firstOfTwo = await connectLookupOf(g, 'example.com', { all: false });
  assert.deepEqual(firstOfTwo, { err: null, address: PUBLIC_V4, family: 4 });
  const v6Only = await connectLookupOf(g, 'example.com', { family: 6 });
  assert.deepEqual(v6Only, { err: null, address: PUBLIC_V6, family: 6 });
  assert.equal((await connectLookupOf(g, 'public.test', { family: 6 })).err?.code, 'ENOTFOUND');
});

test('connectLookup passes lookup failures through and judges IP literals without DNS', async () => {
  const lookup = fakeDns({});
  const g = guard({ lookup });
  assert.equal((await connectLookupOf(g, 'nowhere.test', {})).err?.code, 'ENOTFOUND');
  assert.equal((await connectLookupOf(g, 'empty.test', { all: true })).err?.code, 'ENOTFOUND');
  assert.deepEqual(await connectLookupOf(g, PUBLIC_V4, {}), { err: null, address: PUBLIC_V4, family: 4 });
  assert.equal((await connectLookupOf(g, '127.0.0.1', {})).err?.code, 'EWEBHOOKBLOCKED');
  assert.equal((await connectLookupOf(g, '::1', { all: true })).err?.code, 'EWEBHOOKBLOCKED');
  assert.deepEqual(lookup.calls, ['nowhere.test', 'empty.test']);
});

test('connectLookup honours the allow-list', async () => {
  const g = guard({ allowedNetworks: ['127.0.0.0/8'], lookup: fakeDns({ 'dev.test': ['127.0.0.1'] }) });
  assert.deepEqual(await connectLookupOf(g, 'dev.test', { all: true }), {
    err: null,
    address: [{ address: '127.0.0.1', family: 4 }],
    family: undefined,
  });
});

async function withServer(fn: (port: number) => Promise<void>): Promise<void> {
  const server: Server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await fn((server.address() as AddressInfo).port);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

test('wired into undici and net.connect, the lookup decides where the connection goes', async () => {
  await withServer(async (port) => {
    const lookup = fakeDns({ 'hook.test': ['127.0.0.1'] });
    const blocking = guard({ lookup });
    const agent = new Agent({ connect: { lookup: blocking.connectLookup } });
    try {
      await assert.rejects(request(`http://hook.test:${port}/`, { dispatcher: agent }), (e: NodeJS.ErrnoException) => {
        return e.code === 'EWEBHOOKBLOCKED';
      });
    } finally {
      await agent.close();
    }
    const socketErr = await new Promise<NodeJS.ErrnoException>((resolve, reject) => {
      const sock = connect({ host: 'hook.test', port, lookup: blocking.connectLookup });
      sock.on('connect', () => {
        sock.destroy();
        reject(new Error('connected to a blocked address'));
      });
      sock.on('error', resolve);
    });
    assert.equal(socketErr.code, 'EWEBHOOKBLOCKED');

    const allowing = guard({ lookup, allowedNetworks: ['127.0.0.0/8'] });
    const okAgent = new Agent({ connect: { lookup: allowing.connectLookup } });
    try {
      const res = await request(`http://hook.test:${port}/`, { dispatcher: okAgent });
      assert.equal(res.statusCode, 200);
      assert.equal(await res.body.text(), 'ok');
    } finally {
      await okAgent.close();
    }
  });
});
