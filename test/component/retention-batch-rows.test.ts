// Retention walks a batch's rows range by range and records where it got to as `<batch id>:<row>`
// (retention_cursors.through_id). A batch of ten rows or more makes that cursor longer than an id: the
// purge must still get through it. Found by `npm run bench:purge`, whose batches have ~150 rows.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Runtime } from '../../src/runtime.js';
import { createRetentionSweep } from '../../src/privacy/retention-sweep.js';
import { bankAccount, createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';

const DAY = 86_400_000;
const ROWS = 12;
let ctx: TestContext;
let rt: Runtime;

before(async () => {
  ctx = await createTestContext();
  rt = await ctx.start();
});
after(async () => {
  await ctx.close();
});

describe('retention of a batch with many rows', () => {
  it('purges every row reference of a batch whose row numbers run past 9', { timeout: 120_000 }, async () => {
    const t = await ctx.createTenant('Many rows', { mode: 'live' });
    const http = ctx.http(rt);
    const auth = { Authorization: `Bearer ${t.apiKey}` };
    const items = Array.from({ length: ROWS }, (_, i) => bankAccount(`5010${String(4_000_000 + i * 7919).padStart(8, '0')}`, { name: `Row Payee ${i}`, reference_id: `many-rows-${i}` }));
    const res = await http.post('/v1/batches').set(auth).send({ items });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const batchId = res.body.id as string;
    await eventually(async () => (await http.get(`/v1/batches/${batchId}`).set(auth)).body.status === 'completed', 'the batch to complete', 60_000);
    const rows = (await rt.db('batch_rows').where({ batch_id: batchId }).orderBy('row_number').select('row_number', 'reference_id')) as Array<{ row_number: number; reference_id: string | null }>;
    assert.equal(rows.length, ROWS);
    assert.ok(rows.every((r) => r.reference_id?.startsWith('many-rows-')));

    const sweep = createRetentionSweep({
      db: rt.db,
      logger: ctx.logger,
      defaultDays: 31,
      pageSize: 5,
      pauseMs: 0,
      scanEveryMs: 60_000,
      failUnfinished: rt.failValidations!,
      now: () => new Date(Date.now() + 32 * DAY),
    });
    await sweep.run(() => false);

    assert.deepEqual((await rt.db('batch_rows').where({ batch_id: batchId }).pluck('reference_id')) as unknown[], rows.map(() => null));
    const batch = (await rt.db('batches').where({ id: batchId }).first('purged_at', 'metadata')) as { purged_at: Date | null };
    assert.ok(batch.purged_at, 'the batch itself is purged once its rows are');
    const cursor = (await rt.db('retention_cursors').where({ tenant_id: t.tenantId, table_name: 'batch_rows' }).first('through_id')) as { through_id: string };
    assert.equal(cursor.through_id, `${batchId}:${Math.max(...rows.map((r) => Number(r.row_number)))}`);
    const unpurged = await rt.db('validations').where({ tenant_id: t.tenantId }).whereNull('purged_at').count({ n: '*' });
    assert.equal(Number(unpurged[0]!.n), 0);
    assert.doesNotMatch(ctx.logs.text(), /leader duty failed/);
  });
});
