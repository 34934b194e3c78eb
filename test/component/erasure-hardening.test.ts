// Erasure where it is easy to get wrong: while a batch that holds the payee is still accepting rows (and
// with a batch uploaded after the request), against a `?wait=` answer stored after the purge, and
// against a webhook attempt that was in flight while the purge ran. Outcomes are the API's answers,
// MySQL rows and a scan of every table, Redis key and log line. (A blind-index key change:
// lifecycle-runner.test.ts.)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Runtime } from '../../src/runtime.js';
import { createIdempotencyStore } from '../../src/platform/idempotency.js';
import { storeFinalAnswer } from '../../src/validations/validation-service.js';
import { purgeValidations } from '../../src/privacy/purge-store.js';
import { createErasureRunner } from '../../src/privacy/erasure-runner.js';
import { createBlindIndexer } from '../../src/platform/blind-index.js';
import { createDb } from '../../src/platform/db.js';
import { bankAccount, createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';
import { erasureClient, type V } from '../helpers/erasure-client.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { findPersonalData, uniqueAccount, uniqueLetters } from '../helpers/personal-data-scan.js';

const T = { timeout: 120_000 };
let ctx: TestContext;
let rt: Runtime;
let receiver: WebhookReceiver;

before(async () => {
  ctx = await createTestContext({ WEBHOOK_TIMEOUT_MS: '60000', SWEEPER_STUCK_AFTER_MS: '90000' });
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
  it('waits for a batch still accepting rows, purging what it found meanwhile; a batch uploaded after the request is kept', T, async () => {
    const t = await ctx.createTenant('Uploading', { mode: 'live' });
    const c = client(rt, t.apiKey);
    const acct = uniqueAccount();
    const single = await c.validated(bankAccount(acct, { name: 'Mid Upload' }));
    const batchId = await c.batch([bankAccount(acct, { name: 'Mid Upload' })]);
    // The batch as it is while its upload is still being stored.
    await rt.db('batches').where({ id: batchId }).update({ status: 'accepting', updated_at: new Date() });
    const id = await c.eraseAccount(acct);
    const row = () => rt.db('erasure_requests').where({ id }).first() as Promise<V>;
    // Turns of a runner of our own (the runtime's leader may take turns too; both stop at the same place).
    const runner = createErasureRunner({
      db: rt.db, cipher: rt.cipher, logger: ctx.logger, pageSize: 100, pauseMs: 0, failUnfinished: rt.failValidations!, blindIndexers: [createBlindIndexer(rt.config.crypto.blindIndexKey)], settleMs: 0,
    });
    await runner.run(() => false);
    await runner.run(() => false);
    const waiting = await row();
    assert.equal(waiting.status, 'finding');
    assert.equal(waiting.found_at, null, 'still waiting at the batch');
    assert.equal(waiting.matched_validations, 1);
    assert.ok(await purgedAt(single.id), 'the single found before the batch is purged meanwhile');
    assert.equal((await rt.db('validations').where({ batch_id: batchId }).whereNotNull('purged_at').first()), undefined, 'nothing of the uploading batch yet');

    // Past the find's clock margin, the client uploads the payee again: data sent after the request stays.
    await new Promise((r) => setTimeout(r, 1100));
    const later = await c.batch([bankAccount(acct, { name: 'After The Request' })]);
    await rt.db('batches').where({ id: batchId }).update({ status: 'completed', updated_at: new Date() });
    const done = await c.erased(id);
    assert.equal(done.counts.matched_validations, 2);
    assert.deepEqual((await rt.db('validations').where({ batch_id: batchId }).whereNull('purged_at').pluck('id')) as string[], []);
    assert.equal((await rt.db('validations').where({ batch_id: later }).whereNotNull('purged_at').first()), undefined, 'the later upload is kept');
    assert.equal((await row()).payee_ciphertext, null);
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
    // A connection of the test's own for the purge, so the runtime's pool serves the answer's write.
    const purger = createDb(ctx.env.DATABASE_URL!, 1);
    const trx = await purger.transaction();
    await trx('validations').where({ id: w.id }).forUpdate().first('id');
    const late = storeFinalAnswer(rt.db, store, scope, heldIdem, { status: 200, body: w as { id: string } });
    // The write's locking read is running — blocked on the row lock, since the lock is held — before
    // the purge goes on (not merely not started yet).
    await eventually(async () => {
      const [rows] = (await rt.db.raw("SELECT info FROM information_schema.PROCESSLIST WHERE command = 'Query'")) as [Array<{ info: string | null }>];
      return rows.some((r) => /lock in share mode/i.test(r.info ?? '') && (r.info ?? '').includes(w.id)) || null;
    }, 'the final answer to wait for the purge', 10_000);
    assert.deepEqual((await purgeValidations(trx, t.tenantId, [w.id], new Date())).purged, [w.id]);
    await trx.commit();
    await purger.destroy();
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
