// The fair-share rounds in real Redis with real BullMQ (decision 0024): the Lua script decides exactly
// as the pure planRounds does on the state BullMQ really writes, the encoding of priorities in the
// prioritized set is the one the script decodes, and a parked or retried batch row keeps its priority
// (it comes back behind single validations and in its round, not on the wait list).

import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { Worker, type Job } from 'bullmq';
import { createValidationQueue, enqueueValidations, validationJobId, type ValidationQueue } from '../../src/platform/queues.js';
import { createFairShare, fairRoundsKey } from '../../src/platform/fair-share-redis.js';
import { planRounds } from '../../src/platform/fair-share.js';
import { queuedCount } from '../../src/platform/queue-backpressure.js';
import { parkJob } from '../../workers/park-job.js';
import { REDIS_URL } from '../helpers/test-stack.js';
import { wipeRedisPrefix } from '../helpers/redis-wipe.js';

describe('fair-share rounds in Redis', () => {
  let redis: Redis;
  let prefix: string;
  let queue: ValidationQueue;

  before(() => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  afterEach(async () => {
    await queue.close();
    await wipeRedisPrefix(redis, prefix);
  });
  after(async () => {
    await redis.quit();
  });
  const fresh = () => {
    prefix = `tf${randomBytes(4).toString('hex')}`;
    queue = createValidationQueue(redis, prefix, 3);
    return createFairShare(redis, queue, { maxAhead: 50 });
  };
  let seq = 0;
  const add = (n: number, priority: number) => {
    const ids = Array.from({ length: n }, () => `v${seq++}`);
    return enqueueValidations(queue, ids, 5000, ids.map(() => priority));
  };

  it('agrees with planRounds on the state BullMQ writes', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.option(fc.record({ head: fc.integer({ min: 1, max: 2000 }), span: fc.integer({ min: 0, max: 100 }) }), { nil: null }),
        // The tenant's remembered round: none, anywhere, or near the head and tail (where the rules turn).
        fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 2200 }), fc.record({ at: fc.constantFrom('head', 'tail'), d: fc.integer({ min: -2, max: 2 }) })),
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 1, max: 12 }),
        async (prioritized, lastGen, singles, maxWaiting, slices) => {
          const near = (g: { at: 'head' | 'tail'; d: number }) => Math.max(0, (prioritized?.head ?? 1) + (g.at === 'tail' ? (prioritized?.span ?? 0) : 0) + g.d);
          const last = lastGen === null || typeof lastGen === 'number' ? lastGen : near(lastGen);
          const fair = fresh();
          try {
            if (prioritized) {
              await add(1, prioritized.head);
              await add(1, prioritized.head + prioritized.span);
            }
            await enqueueValidations(queue, Array.from({ length: singles }, () => `s${seq++}`), 5000);
            if (last !== null) await redis.hset(fairRoundsKey(queue), 'ten_a', String(last));
            const head = prioritized?.head ?? null;
            const tail = prioritized ? prioritized.head + prioritized.span : null;
            const queued = await queuedCount(queue);
            assert.equal(queued, singles + (prioritized ? 2 : 0));
            const expected = planRounds({ head, tail, last, queued }, slices, { maxAhead: 50, maxWaiting });
            assert.deepEqual(await fair.reserve('ten_a', slices, maxWaiting), expected);
            const stored = await redis.hget(fairRoundsKey(queue), 'ten_a');
            assert.equal(stored === null ? null : Number(stored), expected ? expected.last : prioritized ? last : null);
          } finally {
            await queue.close();
            await wipeRedisPrefix(redis, prefix);
          }
        },
      ),
      { numRuns: 80 },
    );
    fresh();
  });

  it('starts over at round 1 when nothing is prioritized, forgetting every tenant', async () => {
    const fair = fresh();
    assert.equal(await fair.headRound(), 1);
    await add(3, 40);
    await redis.hset(fairRoundsKey(queue), 'ten_a', '45', 'ten_b', '41');
    assert.equal(await fair.headRound(), 40);
    assert.deepEqual(await fair.reserve('ten_b', 2, 0), { first: 40, cap: 90, last: 41 });
    await queue.drain();
    assert.equal(await fair.headRound(), 1);
    assert.equal(await redis.exists(fairRoundsKey(queue)), 0);
    assert.ok((await redis.ttl(fairRoundsKey(queue))) < 0);
    assert.deepEqual(await fair.reserve('ten_a', 1, 0), { first: 1, cap: 51, last: 1 });
    assert.ok((await redis.ttl(fairRoundsKey(queue))) > 3600, 'the rounds hash has no TTL');
  });

  it('a parked or retried batch row keeps its priority: it returns behind single validations and lower rounds', { timeout: 30_000 }, async () => {
    fresh();
    const order: string[] = [];
    let parked = false;
    let failed = false;
    let sawPriority: number | undefined;
    const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const worker = new Worker<{ validationId: string }>(
      queue.name,
      async (job: Job<{ validationId: string }>, token?: string) => {
        const id = job.data.validationId;
        if (id === 'parked' && !parked) {
          parked = true;
          await parkJob(job, 300, token);
        }
        if (id === 'retried' && !failed) {
          failed = true;
          throw new Error('transient');
        }
        if (id === 'parked') sawPriority = job.priority;
        order.push(id);
      },
      { connection, prefix, concurrency: 1, autorun: false, settings: { backoffStrategy: () => 300 } },
    );
    try {
      await enqueueValidations(queue, ['parked', 'retried'], 5000, [5, 5]);
      worker.run().catch(() => undefined);
      const deadline = Date.now() + 10_000;
      while (!(parked && failed) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.ok(parked && failed, 'the worker never took both jobs');
      await worker.pause();
      // While both wait in `delayed`: a single, a lower round and a higher round arrive.
      await enqueueValidations(queue, ['single'], 5000);
      await enqueueValidations(queue, ['round-3', 'round-9'], 5000, [3, 9]);
      await new Promise((r) => setTimeout(r, 500));
      // Both delays are over; the next fetch promotes them into the prioritized set at round 5.
      worker.resume();
      const until = Date.now() + 10_000;
      while (order.length < 5 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(order, ['single', 'round-3', 'parked', 'retried', 'round-9']);
      assert.equal(sawPriority, 5);
      assert.equal(await (await queue.getJob(validationJobId('retried')))?.getState(), 'completed');
    } finally {
      await worker.close();
      await connection.quit();
    }
  });
});
