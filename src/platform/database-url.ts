// DATABASE_URL (and MIGRATIONS_DATABASE_URL) → mysql2 connection options, TLS included.
//
// The query options are the MySQL client's own names (`ssl-mode`, `ssl-ca`, `ssl-cert`, `ssl-key`), so a
// URL reads like a `mysql --ssl-mode=VERIFY_IDENTITY --ssl-ca=…` command line. The certificate files are
// read once, when the connection options are built at start. Anything else in the query is refused: a
// mistyped `ssl_mode=REQUIRED` silently ignored would leave the connection in plain text.
// Messages never quote the URL, which carries the password. See docs/decisions/0035.

import { readFileSync } from 'node:fs';

export const SSL_MODES = ['DISABLED', 'REQUIRED', 'VERIFY_CA', 'VERIFY_IDENTITY'] as const;
export type SslMode = (typeof SSL_MODES)[number];

const FILE_OPTIONS = ['ssl-ca', 'ssl-cert', 'ssl-key'] as const;
const KNOWN_OPTIONS: readonly string[] = ['ssl-mode', ...FILE_OPTIONS];

/** mysql2's `ssl` option: mysql2 checks the server's certificate chain when rejectUnauthorized, and its host name when verifyIdentity. */
export interface MysqlTls {
  rejectUnauthorized: boolean;
  verifyIdentity: boolean;
  /** PEM text; without it a verifying mode trusts Node's bundled public CAs. */
  ca?: string;
  cert?: string;
  key?: string;
}

export interface DatabaseTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  /** Empty when the URL names none (an admin connection). */
  database: string;
  sslMode: SslMode;
  ssl: MysqlTls | null;
}

/** A problem with a database URL; the message names the option, never the URL or its password. */
export class DatabaseUrlError extends Error {}

function decode(text: string, what: string): string {
  try {
    // Not URLSearchParams for the query: it reads `+` as a space, and file paths may contain `+`.
    return decodeURIComponent(text);
  } catch {
    throw new DatabaseUrlError(`its ${what} has malformed percent-encoding`);
  }
}

function queryOptions(search: string): Map<string, string> {
  const options = new Map<string, string>();
  for (const pair of search.replace(/^\?/, '').split('&').filter(Boolean)) {
    const eq = pair.indexOf('=');
    const name = decode(eq < 0 ? pair : pair.slice(0, eq), 'query');
    const value = eq < 0 ? '' : decode(pair.slice(eq + 1), 'query');
    if (!KNOWN_OPTIONS.includes(name)) {
      throw new DatabaseUrlError(`unknown option ${JSON.stringify(name.slice(0, 40))} (known: ${KNOWN_OPTIONS.join(', ')})`);
    }
    if (options.has(name)) throw new DatabaseUrlError(`option ${name} is given twice`);
    if (!value) throw new DatabaseUrlError(`option ${name} needs a value`);
    options.set(name, value);
  }
  return options;
}

function sslModeOf(options: Map<string, string>): SslMode {
  const given = options.get('ssl-mode');
  if (given === undefined) {
    if (FILE_OPTIONS.some((o) => options.has(o))) {
      throw new DatabaseUrlError('ssl-ca, ssl-cert and ssl-key need ssl-mode=REQUIRED, VERIFY_CA or VERIFY_IDENTITY');
    }
    return 'DISABLED';
  }
  const mode = SSL_MODES.find((m) => m === given.toUpperCase());
  // PREFERRED (the mysql client's default) is refused: mysql2 never falls back, and a silent fallback to plain text is what REQUIRED exists to prevent.
  if (!mode) throw new DatabaseUrlError(`ssl-mode must be one of ${SSL_MODES.join(', ')}`);
  return mode;
}

function tlsFor(mode: SslMode, options: Map<string, string>, readFile: (path: string) => string): MysqlTls | null {
  if (mode === 'DISABLED') {
    if (FILE_OPTIONS.some((o) => options.has(o))) throw new DatabaseUrlError('ssl-ca, ssl-cert and ssl-key cannot go with ssl-mode=DISABLED');
    return null;
  }
  // REQUIRED encrypts without checking who answers; a CA given with it would suggest a check that never happens.
  if (mode === 'REQUIRED' && options.has('ssl-ca')) throw new DatabaseUrlError('ssl-ca is checked only with ssl-mode=VERIFY_CA or VERIFY_IDENTITY');
  if (options.has('ssl-cert') !== options.has('ssl-key')) throw new DatabaseUrlError('ssl-cert and ssl-key go together');
  const tls: MysqlTls = { rejectUnauthorized: mode !== 'REQUIRED', verifyIdentity: mode === 'VERIFY_IDENTITY' };
  for (const option of FILE_OPTIONS) {
    const path = options.get(option);
    if (path === undefined) continue;
    try {
      tls[option.slice(4) as 'ca' | 'cert' | 'key'] = readFile(path);
    } catch (err) {
      throw new DatabaseUrlError(`${option} file ${JSON.stringify(path)} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return tls;
}

/** Parses a `mysql://user:password@host:port/database?ssl-mode=…` URL, reading the certificate files it names. */
export function parseDatabaseUrl(url: string, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): DatabaseTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new DatabaseUrlError('is not a URL');
  }
  const options = queryOptions(u.search);
  const sslMode = sslModeOf(options);
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : 3306,
    user: decode(u.username || 'root', 'user name'),
    password: decode(u.password, 'password'),
    database: decode(u.pathname.replace(/^\//, ''), 'database name'),
    sslMode,
    ssl: tlsFor(sslMode, options, readFile),
  };
}
