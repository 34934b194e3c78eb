// Production runs the compiled build (`npm start`, the Docker image). Built here once, into a folder of
// its own (dist/ belongs to the developer's `npm start`), it must run on plain node (no tsx loader),
// serve, and load its migrations from its .js files under the names the TypeScript sources record, so a
// database migrated by either form is up to date for the other.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { createDb, dropDatabase, ensureDatabase, migrateLatest, type Db } from '../../src/platform/db.js';
import { migrationSource } from '../../src/platform/migration-source.js';
import { buildState } from '../../bin/build-state.mjs';
import { wipeRedisPrefix } from '../helpers/redis-wipe.js';
import { bankAccount, eventually } from '../helpers/test-stack.js';
import { nodeFlags } from '../../bin/node-flags.mjs';

const run = promisify(execFile);
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const id = randomBytes(4).toString('hex');
// Inside the repository, as dist/ is: node_modules and package.json ("type": "module") are found above it.
const OUT = path.join(REPO, `dist-test-${id}`);
const MYSQL_BASE = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `bld${id}`;
const DB_FROM_SOURCES = `${MYSQL_BASE}/payval_test_bld_src_${id}`;
const DB_FROM_BUILD = `${MYSQL_BASE}/payval_test_bld_js_${id}`;
const SOURCE_NAMES = readdirSync(path.join(REPO, 'migrations')).filter((f) => f.endsWith('.ts')).sort();
const children: ChildProcess[] = [];

/** Only what node needs: no NODE_OPTIONS, so nothing (tsx above all) is preloaded into the child. */
function childEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DATABASE_URL: databaseUrl, REDIS_URL, QUEUE_PREFIX: PREFIX, ...extra };
}

/** The compiled `payval` command, as `npm start` runs it. */
const ENTRY = path.join(OUT, 'src/cli/payval.js');
const HEAP_FLAGS = nodeFlags({ ROLE: 'all' });

async function compiled(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [ENTRY, ...args], { env, timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function migrationRows(url: string): Promise<Array<{ id: number; name: string; batch: number }>> {
  const db = createDb(url, 1);
  try {
    return (await db('knex_migrations').select('id', 'name', 'batch').orderBy('id')) as Array<{ id: number; name: string; batch: number }>;
  } finally {
    await db.destroy();
  }
}

/** Migrates with the TypeScript sources, in this (tsx) process. */
async function migrateFromSources(url: string): Promise<string[]> {
  await ensureDatabase(url);
  const db: Db = createDb(url, 2);
  try {
    return await migrateLatest(db);
  } finally {
    await db.destroy();
  }
}

before(async () => {
  // tsc on a busy 2-core machine takes 20–60 s.
  await run(process.execPath, ['scripts/build.mjs', '--out-dir', OUT], { cwd: REPO, timeout: 300_000 });
}, { timeout: 320_000 });

after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(OUT, { recursive: true, force: true });
  await dropDatabase(DB_FROM_SOURCES).catch(() => undefined);
  await dropDatabase(DB_FROM_BUILD).catch(() => undefined);
  const redis = new Redis(REDIS_URL);
  await wipeRedisPrefix(redis, PREFIX).catch(() => undefined);
  await redis.quit();
});

describe('the compiled build', () => {
  it('holds every migration as .js, recorded under the source names, and is the build of these sources', async () => {
    assert.equal(buildState(REPO, OUT), 'current');
    const built = readdirSync(path.join(OUT, 'migrations')).filter((f) => f.endsWith('.js'));
    assert.deepEqual(built.map((f) => f.replace(/\.js$/, '.ts')).sort(), SOURCE_NAMES);
    const fromBuild = await migrationSource(path.join(OUT, 'migrations'), '.js').getMigrations([]);
    assert.deepEqual(fromBuild.map((m) => m.name), SOURCE_NAMES, 'same names, same order');
    assert.ok(fromBuild.every((m) => m.path.endsWith('.js')));
  });

  it('finds a database migrated from the TypeScript sources up to date: nothing re-run, no "corrupt" error', { timeout: 120_000 }, async () => {
    assert.deepEqual(await migrateFromSources(DB_FROM_SOURCES), SOURCE_NAMES);
    const before = await migrationRows(DB_FROM_SOURCES);
    const r = await compiled(['migrate'], childEnv(DB_FROM_SOURCES, { LOG_LEVEL: 'warn' }));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'database is up to date\n');
    assert.doesNotMatch(r.stderr, /corrupt/i);
    assert.deepEqual(await migrationRows(DB_FROM_SOURCES), before, 'knex_migrations untouched');
  });

  it('serves on a fresh database: migrations from its .js files, /healthz, a tenant and a validation that completes; exits 0 on SIGTERM', { timeout: 180_000 }, async () => {
    const child = spawn(process.execPath, [...HEAP_FLAGS, ENTRY, 'serve'], {
      env: childEnv(DB_FROM_BUILD, { ROLE: 'all', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const url = await eventually(async () => {
      if (child.exitCode !== null) throw new Error(`the compiled server exited with ${child.exitCode}:\n${out}`);
      return /payval listening on (http:\/\/[^"\s]+)/.exec(out)?.[1];
    }, `the compiled server to listen:\n${out}`, 120_000);

    const logs = out.split('\n').flatMap((l) => (l.startsWith('{') ? [JSON.parse(l) as Record<string, unknown>] : []));
    const migrated = logs.find((l) => l.msg === 'migrations applied');
    assert.ok(migrated, 'a fresh database was migrated at start');
    assert.equal(migrated.from, path.join(OUT, 'migrations', '*.js'));
    assert.deepEqual(migrated.applied, SOURCE_NAMES);
    assert.deepEqual((await migrationRows(DB_FROM_BUILD)).map((r) => r.name), SOURCE_NAMES);
    // And the other way round: the sources find the build's database up to date.
    assert.deepEqual(await migrateFromSources(DB_FROM_BUILD), []);

    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    const created = await compiled(['tenants', 'create', '--name', 'Build', '--json'], childEnv(DB_FROM_BUILD, { LOG_LEVEL: 'warn' }));
    assert.equal(created.code, 0, created.stderr);
    const { api_key: key } = JSON.parse(created.stdout) as { api_key: string };
    const auth = { authorization: `Bearer ${key}` };

    const res = await fetch(`${url}/v1/validations?wait=5`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ ...bankAccount('50100012345671'), name: 'Ramesh Kumar' }),
    });
    assert.ok(res.status === 200 || res.status === 202, `status ${res.status}`);
    const first = (await res.json()) as { id: string; status: string; result: { partner: string; registered_name: string } | null };
    // wait=5 answers 202 with the current state if a busy machine took longer; the validation still completes.
    const final = first.status === 'completed' ? first : await eventually(async () => {
      const v = (await (await fetch(`${url}/v1/validations/${first.id}`, { headers: auth })).json()) as typeof first;
      return v.status === 'completed' ? v : null;
    }, 'the validation to complete', 60_000);
    assert.equal(final.result?.partner, 'sandbox');
    assert.equal(final.result?.registered_name, 'RAMESH KUMAR');

    child.kill('SIGTERM');
    assert.equal(await exited, 0, out.slice(-2000));
  });
});
