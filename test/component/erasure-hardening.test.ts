// Erasure where it is easy to get wrong: during a blind-index key change (rows still under the previous
// key), while a batch that holds the payee is still accepting rows, against a `?wait=` answer stored
// after the purge, and against a webhook attempt that was in flight while the purge ran. Outcomes are
// the API's answers, MySQL rows and a scan of every table, Redis key and log line.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Runtime } from '../../src/runtime.js';
import { createIdempotencyStore } from '../../src/platform/idempotency.js';
import { storeFinalAnswer } from '../../src/validations/validation-service.js';
import { purgeValidations } from '../../src/privacy/purge-store.js';
import { bankAccount, createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';
import { erasureClient, type V } from '../helpers/erasure-client.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { findPersonalData, uniqueAccount, uniqueLetters } from '../helpers/personal-data-scan.js';

const T = { timeout: 120_000 };
const B1 = randomBytes(32).toString('base64');
const B2 = randomBytes(32).toString('base64');
let ctx: TestContext;
let rt: Runtime;
let receiver: WebhookReceiver;

before(async () => {
  ctx = await createTestContext({ BLIND_INDEX_KEY: B1, WEBHOOK_TIMEOUT_MS: '60000', SWEEPER_STUCK_AFTER_MS: '90000' });
  rt = await ctx.start();
  receiver = await startWebhookReceiver();
});
after(async () => {
  await receiver?.close();
  await ctx.close();
});

/** The shared erasure client, with a batch helper and an account erasure at IFSC HDFC0000001. */
function client(runtime: Runtime, apiKey: string) {
  const c = erasureClient(ctx, runtime, apiKey);
  return {
    ...c,
    async batch(items: Array<Record<string, unknown>>): Promise<string> {
      const res = await c.http.post('/v1/batches').set(c.auth).send({ items });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      await c.batchDone(res.body.id);
      return res.body.id as string;
    },
    eraseAccount: async (acct: string): Promise<string> => (await c.erase({ type: 'bank_account', bank_account: { account_number: acct, ifsc: 'HDFC0000001' } })).id as string,
  };
}

const purgedAt = async (id: string) => (await rt.db('validations').where({ id }).first('purged_at')).purged_at as Date | null;

describe('erasure, hardened', () => {
  it('finds rows still under the previous blind-index key while a key change is under way', T, async () => {
    const t = await ctx.createTenant('Rekeying', { mode: 'live' });
    const old = client(rt, t.apiKey);
    const acct = uniqueAccount();
    const single = await old.validated(bankAccount(acct, { name: 'Before Rekey' }));
    const batchId = await old.batch([bankAccount(acct, { name: 'Before Rekey' }), bankAccount(uniqueAccount('3301'), { name: 'Someone Else' })]);

    // BLIND_INDEX_KEY is now B2; `keys reindex` has not run. Without the previous key, nothing is found…
    const newOnly = client(await ctx.start({ ROLE: 'api', BLIND_INDEX_KEY: B2 }), t.apiKey);
    const missed = await newOnly.erased(await newOnly.eraseAccount(acct));
    assert.equal(missed.counts.matched_validations, 0);
    assert.equal(await purgedAt(single.id), null);
    // …with it (the documented key-change configuration), both rows are.
    const changing = client(await ctx.start({ ROLE: 'api', BLIND_INDEX_KEY: B2, BLIND_INDEX_PREVIOUS_KEY: B1 }), t.apiKey);
    const done = await changing.erased(await changing.eraseAccount(acct));
    assert.equal(done.counts.matched_validations, 2);
    assert.equal(done.counts.purged_validations, 2);
    assert.ok(await purgedAt(single.id));
    const inBatch = (await rt.db('validations').where({ batch_id: batchId }).select('account_last4', 'purged_at')) as V[];
    assert.deepEqual(inBatch.map((r) => [r.account_last4, Boolean(r.purged_at)]).sort(), [['3301', false], [acct.slice(-4), true]].sort());
  });

  it('waits for a batch still accepting rows before it finishes finding the payee', T, async () => {
    const t = await ctx.createTenant('Uploading', { mode: 'live' });
    const c = client(rt, t.apiKey);
    const acct = uniqueAccount();
    const single = await c.validated(bankAccount(acct, { name: 'Mid Upload' }));
    const batchId = await c.batch([bankAccount(acct, { name: 'Mid Upload' })]);
    // The batch as it is while its upload is still being stored.
    await rt.db('batches').where({ id: batchId }).update({ status: 'accepting', updated_at: new Date() });
    const id = await c.eraseAccount(acct);
    const row = () => rt.db('erasure_requests').where({ id }).first() as Promise<V>;
    await eventually(async () => String((await row()).find_cursor ?? '').startsWith('b:') || null, 'the singles searched', 30_000);
    assert.deepEqual((await rt.db('erasure_request_items').where({ request_id: id }).pluck('validation_id')) as string[], [single.id], 'the single found');
    // Several runner turns later it is still waiting at the batch: nothing found there, nothing purged yet.
    await new Promise((r) => setTimeout(r, 2500));
    const waiting = await row();
    assert.equal(waiting.status, 'processing');
    assert.equal(waiting.found_at, null);
    assert.equal(waiting.matched_validations, 1);
    assert.equal(await purgedAt(single.id), null);

    await rt.db('batches').where({ id: batchId }).update({ status: 'completed', updated_at: new Date() });
    const done = await c.erased(id);
    assert.equal(done.counts.matched_validations, 2);
    assert.deepEqual((await rt.db('validations').where({ batch_id: batchId }).whereNull('purged_at').pluck('id')) as string[], []);
    assert.equal((await row()).payee_indexes, null);
  });

  it('a `?wait=` answer stored after the purge does not bring the payee back into the idempotent replay', T, async () => {
    const t = await ctx.createTenant('Waiting', { mode: 'live' });
    const c = client(rt, t.apiKey);
    const store = createIdempotencyStore(rt.db, { ttlHours: 24, lockTimeoutMs: 10_000, fingerprintKey: rt.config.idempotency.fingerprintKey, cipher: rt.cipher });
    const scope = { tenantId: t.tenantId, livemode: true };
    const name = `Replay ${uniqueLetters(8)}`;
    const acct = uniqueAccount();
    const idem = `wait-${uniqueLetters(8)}`;
    const body = bankAccount(acct, { name });
    const v = await c.validated(body, idem);
    const replay = async () => (await c.http.post('/v1/validations').set(c.auth).set('Idempotency-Key', idem).send(body)).body as V;

    // Control: a validation that is not purged takes the final answer.
    const keepIdem = `keep-${uniqueLetters(8)}`;
    const kept = await c.validated(bankAccount(uniqueAccount('5150'), { name: 'Kept Payee' }), keepIdem);
    assert.equal(await storeFinalAnswer(rt.db, store, scope, keepIdem, { status: 200, body: kept as { id: string } }), true);
    assert.equal((await rt.db('idempotency_keys').where({ tenant_id: t.tenantId, idem_key: keepIdem }).first()).response_status, 200);

    // A purge in progress holds the row; the answer's write waits for it, then sees it purged.
    const heldIdem = `held-${uniqueLetters(8)}`;
    const w = await c.validated(bankAccount(uniqueAccount('6160'), { name: 'Held Payee' }), heldIdem);
    const trx = await rt.db.transaction();
    await trx('validations').where({ id: w.id }).forUpdate().first('id');
    const late = storeFinalAnswer(rt.db, store, scope, heldIdem, { status: 200, body: w as { id: string } });
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual((await purgeValidations(trx, t.tenantId, [w.id], new Date())).purged, [w.id]);
    await trx.commit();
    assert.equal(await late, false, 'nothing stored once the row is purged');
    assert.equal((await rt.db('idempotency_keys').where({ tenant_id: t.tenantId, idem_key: heldIdem }).first()).response_status, 202, 'the answer stored at creation is unchanged');

    // And after an erasure completed (its rewrite of the stored answer stands).
    const done = await c.erased(await c.eraseAccount(acct));
    assert.equal(done.counts.idempotency_records, 1);
    assert.equal(await storeFinalAnswer(rt.db, store, scope, idem, { status: 200, body: v as { id: string } }), false);
    const again = await replay();
    assert.equal(again.id, v.id);
    assert.ok(again.purged_at);
    assert.equal(again.name, null);
    assert.deepEqual(await findPersonalData(rt.db, ctx, [name]), []);
  });

  it('a webhook attempt in flight while the purge ran does not keep the receiver’s echo', T, async () => {
    const t = await ctx.createTenant('Echoing', { mode: 'live' });
    const c = client(rt, t.apiKey);
    const endpoint = await c.http.post('/v1/webhook-endpoints').set(c.auth).send({ url: receiver.url, events: ['validation.completed'] });
    assert.equal(endpoint.status, 201, JSON.stringify(endpoint.body));
    const echoed = `echo ${uniqueLetters(12)}`;
    receiver.setMode({ kind: 'held', body: echoed });
    const acct = uniqueAccount();
    const v = await c.validated(bankAccount(acct, { name: 'In Flight' }));
    await eventually(async () => receiver.heldCount() >= 1 || null, 'the delivery to reach the receiver', 30_000);
    const delivery = (await rt.db('webhook_deliveries').where({ tenant_id: t.tenantId }).first()) as V;

    await c.erased(await c.eraseAccount(acct));
    assert.ok(await purgedAt(v.id));
    assert.equal((await rt.db('webhook_attempts').where({ delivery_id: delivery.id })).length, 0, 'the attempt is still in flight');

    receiver.setMode({ kind: 'ok' });
    assert.equal(receiver.releaseHeld(), 1);
    const attempt = await eventually(async () => (await rt.db('webhook_attempts').where({ delivery_id: delivery.id }).first()) as V | undefined, 'the attempt to be recorded', 30_000);
    assert.equal(attempt.status_code, 200);
    assert.equal(attempt.response_body, null, 'the echo is not stored');
    assert.equal((await rt.db('webhook_deliveries').where({ id: delivery.id }).first()).status, 'failed', 'the delivery stays ended by the purge');
    assert.deepEqual(await findPersonalData(rt.db, ctx, [echoed]), []);
  });
});
