// Claiming ahead (docs/decisions/0028-claim-ahead.md): while WORKER_CONCURRENCY partner calls are in
// flight, the next rows are claimed and wait for a call place. A row that waited longer than a small
// part of its lease moves the lease to the moment it calls, and calls only if the row is still its own:
// another attempt that took the row meanwhile keeps it, and the partner is never called twice.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import type { Runtime } from '../../src/runtime.js';
import { bankAccount, createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';

let ctx: TestContext;
let rt: Runtime;

before(async () => {
  // One call place, 1.5 s calls; the lease is the sweeper threshold (10 s), so an attempt renews after 500 ms.
  ctx = await createTestContext({ PARTNER_CALL_TIMEOUT_MS: '5000', SWEEPER_STUCK_AFTER_MS: '10000', WORKER_CONCURRENCY: '1' });
  rt = await ctx.start();
  reader = await ctx.start({ ROLE: 'api' });
});
after(() => ctx.close());

const account = (last4: string) => `${randomInt(10_000_000, 99_999_999)}${last4}`;
// Rows are read through `reader`: the runtime under test is stopped in the last test.
let reader: Runtime;
const row = (id: string) => reader.db('validations').where({ id }).first('status', 'attempts', 'processing_started_at');

async function submit(apiKey: string, last4: string): Promise<string> {
  const res = await ctx
    .http(rt)
    .post('/v1/validations')
    .set({ Authorization: `Bearer ${apiKey}` })
    .send(bankAccount(account(last4), { max_age: 0 }));
  assert.equal(res.status, 202);
  return res.body.id as string;
}

/** A slow (1.5 s) call for one row holds the only call place, and a second row is claimed ahead behind it. */
async function secondBehindFirst(): Promise<{ first: string; second: string; claimedAt: Date }> {
  ctx.sim.provider('sandbox').setFaults({ latency: { kind: 'fixed', ms: 1500 } });
  const { apiKey } = await ctx.createTenant();
  const first = await submit(apiKey, '4562');
  await eventually(async () => ctx.sim.callsFor(first) >= 1, 'the first call to start', 20_000);
  const second = await submit(apiKey, '4563');
  // Claimed while the first row holds the only call place.
  const claimedAt = await eventually(async () => {
    const r = await row(second);
    return r.status === 'processing' && ctx.sim.callsFor(second) === 0 && (r.processing_started_at as Date);
  }, 'the second row claimed ahead', 20_000);
  return { first, second, claimedAt };
}

describe('rows claimed ahead of a partner-call place', () => {
  it('claims the next row while the call place is taken, renews its lease when it gets the place, and calls once', { timeout: 60_000 }, async () => {
    const { first, second, claimedAt } = await secondBehindFirst();
    let peak = 0;
    const leases = new Set<number>([claimedAt.getTime()]);
    await eventually(async () => {
      peak = Math.max(peak, ctx.sim.inFlight());
      const r = await row(second);
      if (r.processing_started_at) leases.add((r.processing_started_at as Date).getTime());
      return r.status === 'completed';
    }, 'the second row to complete', 30_000);
    assert.ok(peak <= 1, `partner calls at once: ${peak}, WORKER_CONCURRENCY is 1`);
    assert.equal(ctx.sim.callsFor(first), 1);
    assert.equal(ctx.sim.callsFor(second), 1);
    assert.equal((await row(second)).attempts, 1);
    // It waited about a second for the place, so the lease it called under started then, not at its claim.
    assert.ok(leases.size >= 2, 'the lease was not renewed when the call place came');
    assert.ok(Math.max(...leases) - Math.min(...leases) >= 500, `lease moved by ${Math.max(...leases) - Math.min(...leases)} ms`);
    ctx.sim.provider('sandbox').setFaults({ latency: { kind: 'fixed', ms: 0 } });
  });

  it('does not call for a row another attempt took while it waited for the call place', { timeout: 60_000 }, async () => {
    const { first, second, claimedAt } = await secondBehindFirst();
    // Another attempt claims the row now (as a redelivered job would once a lease ran out): its lease runs 10 s.
    const takenAt = new Date(claimedAt.getTime() + 1);
    await reader.db('validations').where({ id: second }).update({ processing_started_at: takenAt });
    await eventually(async () => (await row(first)).status === 'completed', 'the first row to complete', 20_000);
    // The waiting attempt got the call place but not the row: it gives the attempt its claim counted
    // back (attempts 1 → 0) and calls nobody within the other attempt's lease.
    await eventually(async () => (await row(second)).attempts === 0, 'the waiting attempt to give the row up', 20_000);
    assert.equal(ctx.sim.callsFor(second), 0, 'called for a row another attempt held');
    assert.equal((await row(second)).status, 'processing');
    // Once that lease has run out, the row's job claims it again and it completes with one call.
    ctx.sim.provider('sandbox').setFaults({ latency: { kind: 'fixed', ms: 0 } });
    await eventually(async () => (await row(second)).status === 'completed', 'completion after the other lease', 30_000);
    assert.equal(ctx.sim.callsFor(second), 1);
    // The attempt that gave the row up called nobody, so it gave its attempt back.
    assert.equal((await row(second)).attempts, 1);
  });

  it('a stopping worker hands a row claimed ahead back instead of calling for it', { timeout: 60_000 }, async () => {
    const { first, second } = await secondBehindFirst();
    // Stop the worker: the first call ends, and the second row gets its call place while closing.
    await rt.stop();
    ctx.runtimes.splice(ctx.runtimes.indexOf(rt), 1);
    assert.equal(ctx.sim.callsFor(second), 0, 'a closing worker called for a row it had not started');
    assert.equal((await row(first)).status, 'completed');
    const back = await row(second);
    assert.equal(back.attempts, 0, 'the attempt it never made was not given back');
    assert.equal(back.processing_started_at, null, 'the lease was left on the row');
    // Another worker takes it at once and calls once.
    ctx.sim.provider('sandbox').setFaults({ latency: { kind: 'fixed', ms: 0 } });
    rt = await ctx.start({ ROLE: 'worker' });
    await eventually(async () => (await row(second)).status === 'completed', 'completion on the next worker', 30_000);
    assert.equal(ctx.sim.callsFor(second), 1);
  });
});
