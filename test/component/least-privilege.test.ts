// payval run as a MySQL user that may only read and write rows (SELECT, INSERT, UPDATE, DELETE), with
// its migrations applied by a second user holding the grants the README documents. Both users exist only
// for this file, on this file's database, and are dropped in `after` whatever happened.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { createDb, databaseName, type Db } from '../../src/platform/db.js';
import { migrationSource } from '../../src/platform/migration-source.js';
import { PendingMigrationsError } from '../../src/platform/database-startup.js';
import { account } from '../helpers/validation-client.js';
import { bankAccount, createTestContext, eventually, REDIS_URL, type TestContext } from '../helpers/test-stack.js';

const run = promisify(execFile);

let ctx: TestContext;
let root: Db;
let appUrl: string;
let migratorUrl: string;
const passwords: string[] = [];
const users: Array<{ name: string; host: string }> = [];
let allMigrations: string[];

/** The test database's URL as `user`; `query` adds options. */
function urlAs(user: string, password: string, query = ''): string {
  const u = new URL(ctx.env.DATABASE_URL!);
  u.username = user;
  u.password = password;
  return `${u.toString()}${query}`;
}

/** `payval …` in a process of its own, as an operator would run it. */
async function payval(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const base = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'test', LOG_LEVEL: 'info', REDIS_URL, QUEUE_PREFIX: ctx.env.QUEUE_PREFIX! };
  try {
    const r = await run(process.execPath, ['bin/payval.mjs', ...args], { env: { ...base, ...env }, timeout: 120_000 });
    return { code: 0, ...r };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const noPasswordIn = (text: string, where: string) => {
  for (const p of passwords) assert.ok(!text.includes(p), `a database password appears in ${where}`);
};

before(async () => {
  ctx = await createTestContext();
  const adminUrl = new URL(ctx.env.DATABASE_URL!);
  adminUrl.pathname = '/';
  root = createDb(adminUrl.toString(), 1);
  const database = databaseName(ctx.env.DATABASE_URL!);
  // In a GRANT, `_` matches any character: escaped, the grant covers this database only.
  const grantOn = `\`${database.replace(/_/g, '\\_')}\`.*`;
  // The account host as the server sees this machine, so the new users match exactly.
  const [[seen]] = (await root.raw("SELECT SUBSTRING_INDEX(USER(), '@', -1) AS host")) as [[{ host: string }]];
  const create = async (name: string, grants: string) => {
    const password = randomBytes(12).toString('hex');
    users.push({ name, host: seen.host });
    passwords.push(password);
    await root.raw('CREATE USER ?@? IDENTIFIED BY ?', [name, seen.host, password]);
    await root.raw(`GRANT ${grants} ON ${grantOn} TO ?@?`, [name, seen.host]);
    return urlAs(name, password);
  };
  // Exactly the README's "Least privilege" statements.
  appUrl = await create(`pv_app_${ctx.id}`, 'SELECT, INSERT, UPDATE, DELETE');
  migratorUrl = await create(`pv_mig_${ctx.id}`, 'CREATE, ALTER, DROP, INDEX, REFERENCES, TRIGGER, SELECT, INSERT, UPDATE, DELETE');
  const source = migrationSource();
  allMigrations = (await source.getMigrations([])).map((m) => source.getMigrationName(m));
});

after(async () => {
  try {
    await ctx?.close();
  } finally {
    for (const u of users) await root.raw('DROP USER IF EXISTS ?@?', [u.name, u.host]).catch(() => undefined);
    await root?.destroy();
  }
});

describe('least privilege', () => {
  it('with DATABASE_MIGRATE_ON_START=false a fresh database is neither created nor migrated: start-up refuses, naming every migration', async () => {
    await assert.rejects(ctx.start({ DATABASE_URL: appUrl, DATABASE_MIGRATE_ON_START: 'false' }), (err: unknown) => {
      assert.ok(err instanceof PendingMigrationsError, String(err));
      assert.deepEqual(err.pending, allMigrations);
      assert.match(err.message, /run `payval migrate`/);
      return true;
    });
    const [schemas] = (await root.raw('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [databaseName(ctx.env.DATABASE_URL!)])) as [unknown[]];
    assert.equal(schemas.length, 0, 'no CREATE DATABASE was attempted');
  });

  it('payval migrate connects as MIGRATIONS_DATABASE_URL; the documented migrator grants apply every migration, the app user could not', { timeout: 240_000 }, async () => {
    const asApp = await payval(['migrate'], { DATABASE_URL: appUrl });
    assert.notEqual(asApp.code, 0, 'the app user cannot create the database or its tables');
    assert.match(asApp.stderr, /denied/i);
    noPasswordIn(asApp.stdout + asApp.stderr, 'the failed migrate output');

    const asMigrator = await payval(['migrate'], { DATABASE_URL: appUrl, MIGRATIONS_DATABASE_URL: migratorUrl });
    assert.equal(asMigrator.code, 0, asMigrator.stderr);
    assert.match(asMigrator.stdout, new RegExp(`applied from .*: ${allMigrations.join(', ')}`));
    noPasswordIn(asMigrator.stdout + asMigrator.stderr, 'the migrate output');

    const db = databaseName(ctx.env.DATABASE_URL!);
    const [triggers] = (await root.raw('SELECT TRIGGER_NAME AS name, DEFINER AS definer FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY 1', [db])) as [Array<{ name: string; definer: string }>];
    assert.deepEqual(triggers.map((t) => t.name), ['audit_log_no_delete', 'audit_log_no_update']);
    for (const t of triggers) assert.match(t.definer, new RegExp(`^pv_mig_${ctx.id}@`), 'created by the migrator');
  });

  it('the runtime runs as the app user: a validation and a batch complete, while ALTER, CREATE and audit rewrites are refused', { timeout: 120_000 }, async () => {
    const rt = await ctx.start({ DATABASE_URL: appUrl, DATABASE_MIGRATE_ON_START: 'false' });
    const [[who]] = (await rt.db.raw('SELECT CURRENT_USER() AS u')) as [[{ u: string }]];
    assert.match(who.u, new RegExp(`^pv_app_${ctx.id}@`));
    assert.ok(ctx.logs.lines.some((l) => l.includes('the schema is up to date (start-up migrations are off')));

    const { apiKey, tenantId } = await ctx.createTenant('Least Privilege');
    const auth = { Authorization: `Bearer ${apiKey}` };
    const single = await ctx.http(rt).post('/v1/validations?wait=10').set(auth).send(bankAccount(account('4561'), { name: 'Ramesh Kumar' }));
    assert.ok(single.status === 200 || single.status === 202, JSON.stringify(single.body));
    await eventually(async () => {
      const v = await ctx.http(rt).get(`/v1/validations/${single.body.id}`).set(auth);
      return v.body.status === 'completed';
    }, 'the single validation to complete', 60_000);

    const items = ['4561', '7770', '1232'].map((suffix) => bankAccount(account(suffix)));
    const batch = await ctx.http(rt).post('/v1/batches').set(auth).send({ items });
    assert.equal(batch.status, 202, JSON.stringify(batch.body));
    const done = await eventually(async () => {
      const b = await ctx.http(rt).get(`/v1/batches/${batch.body.id}`).set(auth);
      return b.body.status === 'completed' ? b.body : undefined;
    }, 'the batch to complete', 60_000);
    assert.equal(done.counts.completed, 3);
    const rows = await root.raw('SELECT status, COUNT(*) AS n FROM ??.validations WHERE tenant_id = ? GROUP BY status', [databaseName(ctx.env.DATABASE_URL!), tenantId]);
    assert.deepEqual(rows[0].map((r: { status: string; n: number }) => [r.status, Number(r.n)]), [['completed', 4]]);

    await assert.rejects(rt.db.raw('ALTER TABLE validations ADD COLUMN least_priv_probe INT'), { errno: 1142 });
    await assert.rejects(rt.db.raw('CREATE TABLE least_priv_probe (id INT PRIMARY KEY)'), { errno: 1142 });
    await assert.rejects(rt.db.raw('DROP TABLE audit_log'), { errno: 1142 });
    // The append-only triggers still fire for this user (they run as their definer, the migrator).
    await assert.rejects(rt.db('audit_log').where({ tenant_id: tenantId }).update({ action: 'rewritten' }), { errno: 1644 });
    await assert.rejects(rt.db('audit_log').where({ tenant_id: tenantId }).delete(), { errno: 1644 });
    await rt.stop();
  });

  it('a migration not yet applied stops serve (exit 78, naming it and `payval migrate`); migrating as MIGRATIONS_DATABASE_URL, by the CLI or at start-up, unblocks it', { timeout: 300_000 }, async () => {
    const newest = allMigrations[allMigrations.length - 1]!;
    // A new release's migration: undo the newest one as root, so the code expects a step the database lacks.
    const admin = createDb(ctx.env.DATABASE_URL!, 1);
    try {
      await admin.migrate.down();
      const serve = await payval(['serve'], { DATABASE_URL: appUrl, DATABASE_MIGRATE_ON_START: 'false', ROLE: 'api', HOST: '127.0.0.1', PORT: '0' });
      assert.equal(serve.code, 78, serve.stderr);
      assert.equal(serve.stderr.trim(), `payval: the database is missing 1 migration: ${newest}. DATABASE_MIGRATE_ON_START is false, so this process does not migrate: run \`payval migrate\` (it connects as MIGRATIONS_DATABASE_URL when set), then start again`);
      assert.doesNotMatch(serve.stdout, /payval listening/);
      noPasswordIn(serve.stdout + serve.stderr, 'the serve output');

      const migrate = await payval(['migrate'], { DATABASE_URL: appUrl, MIGRATIONS_DATABASE_URL: migratorUrl });
      assert.equal(migrate.code, 0, migrate.stderr);
      assert.match(migrate.stdout, new RegExp(`applied from .*: ${newest.replace('.', '\\.')}\\n$`));

      // Start-up migrations (DATABASE_MIGRATE_ON_START unset: true) go through MIGRATIONS_DATABASE_URL too; the app user could not have applied this one.
      await admin.migrate.down();
      const rt = await ctx.start({ DATABASE_URL: appUrl, MIGRATIONS_DATABASE_URL: migratorUrl });
      const applied = ctx.logs.lines.filter((l) => l.includes('"migrations applied"')).at(-1) ?? '';
      assert.match(applied, new RegExp(`"applied":\\["${newest.replace('.', '\\.')}"\\]`));
      const [[who]] = (await rt.db.raw('SELECT CURRENT_USER() AS u')) as [[{ u: string }]];
      assert.match(who.u, new RegExp(`^pv_app_${ctx.id}@`), 'the runtime itself still runs as the app user');
      const names = (await admin('knex_migrations').pluck('name')) as string[];
      assert.deepEqual([...names].sort(), allMigrations);
      await rt.stop();
    } finally {
      await admin.destroy();
    }
    noPasswordIn(ctx.logs.text(), 'the runtime logs');
  });
});

describe('TLS to MySQL', () => {
  it('ssl-mode=REQUIRED gets an encrypted connection or none: against a server without TLS, start-up fails with a clear error', { timeout: 60_000 }, async () => {
    const [vars] = (await root.raw("SHOW GLOBAL VARIABLES WHERE Variable_name IN ('have_ssl', 'tls_version')")) as [Array<{ Variable_name: string; Value: string }>];
    const value = (name: string) => vars.find((v) => v.Variable_name === name)?.Value;
    // have_ssl where the server has it (MariaDB, MySQL 8.0); a server without it offers TLS when tls_version lists a version.
    const offersTls = value('have_ssl') !== undefined ? value('have_ssl') === 'YES' : Boolean(value('tls_version'));
    const required = `${appUrl}?ssl-mode=REQUIRED`;
    if (offersTls) {
      // A server with TLS (e.g. compose's MySQL 8): every pooled connection is encrypted.
      const rt = await ctx.start({ DATABASE_URL: required, DATABASE_MIGRATE_ON_START: 'false' });
      const [[cipher]] = (await rt.db.raw("SHOW SESSION STATUS LIKE 'Ssl_cipher'")) as [[{ Value: string }]];
      assert.notEqual(cipher.Value, '');
      await rt.stop();
      return;
    }
    // The local MariaDB and CI run with have_ssl=DISABLED: mysql2 must refuse to continue in plain text.
    assert.equal(value('have_ssl'), 'DISABLED');
    await assert.rejects(ctx.start({ DATABASE_URL: required, DATABASE_MIGRATE_ON_START: 'false' }), /Server does not support secure connection/);
    // The same for start-up migrations: the connection that creates the database and the migration lock's.
    await assert.rejects(ctx.start({ DATABASE_URL: appUrl, MIGRATIONS_DATABASE_URL: `${migratorUrl}?ssl-mode=REQUIRED` }), /Server does not support secure connection/);
    // And the plain URL still connects: nothing else changed.
    const rt = await ctx.start({ DATABASE_URL: appUrl, DATABASE_MIGRATE_ON_START: 'false' });
    const [[cipher]] = (await rt.db.raw("SHOW SESSION STATUS LIKE 'Ssl_cipher'")) as [[{ Value: string }]];
    assert.equal(cipher.Value, '');
    await rt.stop();
  });
});
