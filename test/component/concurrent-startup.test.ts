// `docker compose up` starts the api and the worker at the same moment against a fresh database: every
// process runs the migrations at start-up, so they race for knex's migration tables and lock. All of
// them must start, and every migration must be applied exactly once.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { migrateLatest } from '../../src/platform/db.js';
import type { Runtime } from '../../src/runtime.js';
import { createTestContext, type TestContext } from '../helpers/test-stack.js';

let ctx: TestContext | undefined;
after(() => ctx?.close());

describe('several processes starting at once on a fresh database', () => {
  it('all start, and each migration is applied once', { timeout: 180_000 }, async () => {
    ctx = await createTestContext();
    const started = await Promise.allSettled([
      ctx.start({ ROLE: 'api' }),
      ctx.start({ ROLE: 'worker', SWEEPER_ENABLED: 'false' }),
      ctx.start({ ROLE: 'worker', SWEEPER_ENABLED: 'false' }),
    ]);
    const failed = started.flatMap((s) => (s.status === 'rejected' ? [String((s.reason as Error)?.message ?? s.reason)] : []));
    assert.deepEqual(failed, [], 'every process started');

    const api = (started[0] as PromiseFulfilledResult<Runtime>).value;
    const db = api.db;
    const rows = (await db('knex_migrations').select('name')) as Array<{ name: string }>;
    const files = readdirSync(new URL('../../migrations/', import.meta.url)).filter((f) => /\.(ts|js)$/.test(f));
    assert.deepEqual(rows.map((r) => r.name).sort(), [...files].sort(), 'each migration recorded exactly once');
    const lock = (await db('knex_migrations_lock').select('is_locked')) as Array<{ is_locked: number }>;
    assert.deepEqual(lock.map((r) => Number(r.is_locked)), [0], 'the migration lock is free and there is one lock row');
    // The schema is usable: a tenant and a request that reads its settings.
    const { apiKey } = await ctx.createTenant('Race');
    const res = await ctx.http(api).get('/v1/settings').set({ Authorization: `Bearer ${apiKey}` });
    assert.equal(res.status, 200);
  });

  it('a run that finds knex’s lock taken (another migrator at work) waits for it, within a bound', { timeout: 60_000 }, async () => {
    const db = ctx!.runtimes[0]!.db;
    await db('knex_migrations_lock').update({ is_locked: 1 });
    try {
      await assert.rejects(migrateLatest(db, { maxWaitMs: 300 }), /already locked/, 'past its bound it fails loudly');
      // The other migrator finishes a moment later: this run waits for it instead of failing.
      const run = migrateLatest(db, { maxWaitMs: 60_000 });
      setTimeout(() => db('knex_migrations_lock').update({ is_locked: 0 }).then(() => undefined), 1000);
      assert.deepEqual(await run, [], 'nothing left to apply');
    } finally {
      await db('knex_migrations_lock').update({ is_locked: 0 });
    }
  });
});
