import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import type { Runtime } from '../../src/runtime.js';
import { createDb, type Db } from '../../src/platform/db.js';
import { createBlindIndexer } from '../../src/platform/blind-index.js';
import { payeeBlindIndex, type IndexedPayee } from '../../src/validations/new-validation.js';
import { bankAccount, createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';

// Changing the blind-index key (docs/decisions/0038): rows and reuse pointers made under B1, then
// BLIND_INDEX_KEY=B2 with BLIND_INDEX_PREVIOUS_KEY=B1 and `payval keys reindex` run as a child process.
// Afterwards every stored index and pointer is B2's, and a payee checked under B1 is reused again.

const B1 = randomBytes(32).toString('base64');
const B2 = randomBytes(32).toString('base64');
const IFSC = 'HDFC0000001';
const account = (): string => `${randomInt(10_000_000, 99_999_999)}${randomInt(100, 999)}8`;

let ctx: TestContext;
let db: Db;
let apiKey: string;
let tenantId: string;
/** Validation id → its payee, for every validation made under B1. */
const payees = new Map<string, IndexedPayee>();

before(async () => {
  ctx = await createTestContext({ BLIND_INDEX_KEY: B1 });
  db = createDb(ctx.env.DATABASE_URL!, 2);
});
after(async () => {
  await ctx.close();
  await db.destroy();
});

const auth = () => ({ Authorization: `Bearer ${apiKey}` });
const indexUnder = (key: string, payee: IndexedPayee) => payeeBlindIndex(createBlindIndexer(Buffer.from(key, 'base64')), tenantId, payee);

async function validate(rt: Runtime, body: Record<string, unknown>): Promise<{ id: string; cached: boolean }> {
  const res = await ctx.http(rt).post('/v1/validations').set(auth()).send(body);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  const id = res.body.id as string;
  const final = await eventually(async () => {
    const v = await ctx.http(rt).get(`/v1/validations/${id}`).set(auth());
    return v.body.status === 'completed' ? v.body : undefined;
  }, `validation ${id} to complete`, 60_000);
  return { id, cached: final.result.cached };
}

function payval(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/payval.mjs', ...args], { env: { ...process.env, ...ctx.env, LOG_LEVEL: 'warn', ...env }, timeout: 300_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

describe('payval keys reindex', () => {
  const bank = account();
  const vpa = `asha.${randomInt(1000, 9999)}@okaxis`;

  it('moves every index and reuse pointer made under the previous key to the new one', async () => {
    const before = await ctx.start();
    ({ apiKey, tenantId } = await ctx.createTenant('Reindexed'));
    const first = await validate(before, bankAccount(bank));
    payees.set(first.id, { type: 'bank_account', ifsc: IFSC, accountNumber: bank });
    const upi = await validate(before, { type: 'vpa', vpa, rail: 'UPI' });
    payees.set(upi.id, { type: 'vpa', vpa });
    // Last four digits tell the batch rows apart: 1008, 1018, … 1088.
    const numbers = Array.from({ length: 9 }, (_, i) => `${randomInt(10_000_000, 99_999_999)}${100 + i}8`);
    const b = await ctx.http(before).post('/v1/batches').set(auth()).send({ items: numbers.map((n) => bankAccount(n)) });
    assert.equal(b.status, 202);
    await eventually(async () => (await db('batches').where({ id: b.body.id }).first('status'))?.status === 'completed', 'the batch to complete', 60_000);
    for (const row of await db('validations').where({ batch_id: b.body.id }).select('id', 'account_last4')) {
      payees.set(row.id, { type: 'bank_account', ifsc: IFSC, accountNumber: numbers.find((n) => n.endsWith(row.account_last4))! });
    }
    await before.stop();
    assert.equal(await db('partner_answers').count({ n: '*' }).then((r) => Number(r[0]!.n)), payees.size, 'one reuse pointer per payee');

    const usage = await payval(['keys', 'reindex'], { BLIND_INDEX_KEY: B2 });
    assert.equal(usage.code, 64);
    assert.match(usage.stderr, /BLIND_INDEX_PREVIOUS_KEY/);

    const run = await payval(['keys', 'reindex', '--batch', '4', '--pause-ms', '0', '--json'], { BLIND_INDEX_KEY: B2, BLIND_INDEX_PREVIOUS_KEY: B1 });
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.deepEqual([result.outcome, result.rewritten, result.failed, result.passes], ['done', payees.size, 0, 2]);

    for (const [id, payee] of payees) {
      const row = await db('validations').where({ id }).first('account_blind_index');
      assert.equal(row.account_blind_index, indexUnder(B2, payee), id);
    }
    const pointers = await db('partner_answers as p').join('validations as v', 'v.id', 'p.validation_id').select('p.account_blind_index as pointer', 'v.account_blind_index as row');
    assert.equal(pointers.length, payees.size);
    for (const p of pointers) assert.equal(p.pointer, p.row, 'each pointer moved with its row');

    const again = await payval(['keys', 'reindex', '--json'], { BLIND_INDEX_KEY: B2, BLIND_INDEX_PREVIOUS_KEY: B1 });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).rewritten, 0, 'a second run finds nothing to move');
    const audits = await db('audit_log').where('action', 'like', 'keys.reindex_%').whereNull('tenant_id').pluck('action');
    assert.deepEqual(audits, ['keys.reindex_started', 'keys.reindex_completed', 'keys.reindex_started', 'keys.reindex_completed']);
  });

  it('after it, the service on the new key reuses the answers given under the old one', async () => {
    const afterwards = await ctx.start({ BLIND_INDEX_KEY: B2 });
    const calls = ctx.sim.totalCalls();
    assert.equal((await validate(afterwards, bankAccount(bank))).cached, true);
    assert.equal((await validate(afterwards, { type: 'vpa', vpa, rail: 'UPI' })).cached, true);
    assert.equal(ctx.sim.totalCalls(), calls, 'no partner call');
    const fresh = await validate(afterwards, bankAccount(account()));
    const row = await db('validations').where({ id: fresh.id }).first('account_blind_index');
    assert.notEqual(row.account_blind_index, null);
    assert.equal(await db('partner_answers').where({ validation_id: fresh.id }).first().then((p) => p?.account_blind_index), row.account_blind_index);
  });
});
