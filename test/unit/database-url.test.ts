import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseUrlError, parseDatabaseUrl } from '../../src/platform/database-url.js';
import { connectionFromUrl, createDb } from '../../src/platform/db.js';

const PASSWORD = 'pw-Zq81!x';
const BASE = `mysql://payval_app:${encodeURIComponent(PASSWORD)}@db.internal:3307/payval`;
const FILES: Record<string, string> = {
  '/etc/payval/ca.pem': 'CA PEM',
  '/etc/payval/client.pem': 'CERT PEM',
  '/etc/payval/client-key.pem': 'KEY PEM',
  '/etc/pay val/c+a.pem': 'CA WITH ODD PATH',
};

/** Reads from FILES and records what was read. */
function fakeFiles() {
  const read: string[] = [];
  return {
    read,
    readFile: (p: string) => {
      read.push(p);
      const text = FILES[p];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
      return text;
    },
  };
}

const parse = (query: string) => parseDatabaseUrl(`${BASE}${query}`, fakeFiles().readFile);

function problem(query: string): string {
  try {
    parse(query);
  } catch (err) {
    assert.ok(err instanceof DatabaseUrlError, String(err));
    assert.ok(!err.message.includes(PASSWORD) && !err.message.includes('db.internal'), `the message quotes the URL: ${err.message}`);
    return err.message;
  }
  assert.fail(`expected ${query} to be refused`);
}

describe('DATABASE_URL options', () => {
  it('without options: no TLS, as before, with the user, password and database decoded', () => {
    const t = parse('');
    assert.deepEqual(t, { host: 'db.internal', port: 3307, user: 'payval_app', password: PASSWORD, database: 'payval', sslMode: 'DISABLED', ssl: null });
    assert.equal(parse('?ssl-mode=DISABLED').ssl, null);
    assert.equal(parseDatabaseUrl('mysql://127.0.0.1/payval').user, 'root');
    assert.equal(parseDatabaseUrl('mysql://127.0.0.1/payval').port, 3306);
  });

  it('REQUIRED encrypts without checking the certificate; a client certificate may go with it', () => {
    assert.deepEqual(parse('?ssl-mode=REQUIRED').ssl, { rejectUnauthorized: false, verifyIdentity: false });
    assert.deepEqual(parse('?ssl-mode=REQUIRED&ssl-cert=/etc/payval/client.pem&ssl-key=/etc/payval/client-key.pem').ssl, {
      rejectUnauthorized: false,
      verifyIdentity: false,
      cert: 'CERT PEM',
      key: 'KEY PEM',
    });
  });

  it('VERIFY_CA checks the chain but not the host name; VERIFY_IDENTITY checks both; the mode is case-insensitive', () => {
    const ca = parse('?ssl-mode=verify_ca&ssl-ca=/etc/payval/ca.pem');
    assert.equal(ca.sslMode, 'VERIFY_CA');
    assert.deepEqual(ca.ssl, { rejectUnauthorized: true, verifyIdentity: false, ca: 'CA PEM' });
    const full = parse('?ssl-mode=VERIFY_IDENTITY&ssl-ca=/etc/payval/ca.pem&ssl-cert=/etc/payval/client.pem&ssl-key=/etc/payval/client-key.pem');
    assert.deepEqual(full.ssl, { rejectUnauthorized: true, verifyIdentity: true, ca: 'CA PEM', cert: 'CERT PEM', key: 'KEY PEM' });
    // Without ssl-ca the chain is checked against Node's bundled public CAs.
    assert.deepEqual(parse('?ssl-mode=VERIFY_IDENTITY').ssl, { rejectUnauthorized: true, verifyIdentity: true });
  });

  it('reads each certificate file once, from a percent-encoded path in which + stays a +', () => {
    const files = fakeFiles();
    const t = parseDatabaseUrl(`${BASE}?ssl-mode=VERIFY_CA&ssl-ca=${encodeURIComponent('/etc/pay val/c+a.pem').replace('%2B', '+')}`, files.readFile);
    assert.equal(t.ssl?.ca, 'CA WITH ODD PATH');
    assert.deepEqual(files.read, ['/etc/pay val/c+a.pem']);
  });

  it('reads real files by default', (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'payval-tls-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const caPath = path.join(dir, 'ca.pem');
    writeFileSync(caPath, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const parsed = parseDatabaseUrl(`${BASE}?ssl-mode=VERIFY_IDENTITY&ssl-ca=${encodeURIComponent(caPath)}`);
    assert.match(parsed.ssl?.ca ?? '', /BEGIN CERTIFICATE/);
    assert.throws(() => parseDatabaseUrl(`${BASE}?ssl-mode=VERIFY_IDENTITY&ssl-ca=${encodeURIComponent(path.join(dir, 'missing.pem'))}`), /ssl-ca file ".*missing\.pem" cannot be read \(ENOENT\)/);
  });

  it('refuses unknown, repeated and empty options, naming the option and never the URL', () => {
    assert.match(problem('?ssl_mode=REQUIRED'), /unknown option "ssl_mode" \(known: ssl-mode, ssl-ca, ssl-cert, ssl-key\)/);
    assert.match(problem('?ssl-mode=REQUIRED&sslmode=require'), /unknown option "sslmode"/);
    assert.match(problem('?ssl-mode=REQUIRED&ssl-mode=DISABLED'), /ssl-mode is given twice/);
    assert.match(problem('?ssl-mode='), /ssl-mode needs a value/);
    assert.match(problem('?ssl-ca=%E0%A4'), /malformed percent-encoding/);
  });

  it('refuses modes mysql2 cannot honour and combinations that would promise a check that never happens', () => {
    assert.match(problem('?ssl-mode=PREFERRED'), /ssl-mode must be one of DISABLED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY/);
    assert.match(problem('?ssl-mode=true'), /ssl-mode must be one of/);
    assert.match(problem('?ssl-ca=/etc/payval/ca.pem'), /need ssl-mode=REQUIRED, VERIFY_CA or VERIFY_IDENTITY/);
    assert.match(problem('?ssl-mode=DISABLED&ssl-cert=/etc/payval/client.pem&ssl-key=/etc/payval/client-key.pem'), /cannot go with ssl-mode=DISABLED/);
    assert.match(problem('?ssl-mode=REQUIRED&ssl-ca=/etc/payval/ca.pem'), /ssl-ca is checked only with ssl-mode=VERIFY_CA or VERIFY_IDENTITY/);
    assert.match(problem('?ssl-mode=VERIFY_CA&ssl-cert=/etc/payval/client.pem'), /ssl-cert and ssl-key go together/);
    assert.match(problem('?ssl-mode=VERIFY_CA&ssl-ca=/etc/payval/nope.pem'), /ssl-ca file "\/etc\/payval\/nope\.pem" cannot be read \(ENOENT\)/);
  });

  it('every connection payval opens carries the TLS options: the pool (which the migration lock copies) and the admin connection', async () => {
    const url = 'mysql://payval_app:pw@127.0.0.1:3306/payval?ssl-mode=VERIFY_IDENTITY';
    const tls = { rejectUnauthorized: true, verifyIdentity: true };
    const db = createDb(url, 1);
    try {
      // migrate.ts opens its named-lock connection with exactly this object (db.client.config.connection).
      const pooled = db.client.config.connection as { ssl?: unknown; database?: string; password?: string };
      assert.deepEqual(pooled.ssl, tls);
      assert.equal(pooled.database, 'payval');
    } finally {
      await db.destroy();
    }
    const admin = connectionFromUrl(url, false);
    assert.deepEqual(admin.ssl, tls);
    assert.equal(admin.database, undefined);
    assert.equal(connectionFromUrl('mysql://root@127.0.0.1:3306/payval', true).ssl, undefined);
  });
});
