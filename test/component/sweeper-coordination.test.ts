// How worker processes share the sweeper's duties through Redis (real Redis, one prefix per test):
// one leader at a time, a wiped Redis noticed exactly once, a recovery run resumed by the next leader
// where the previous one stopped, and a run replaced by a newer loss refused.

import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createSweeperCoordination } from '../../src/validations/sweeper-coordination.js';
import { REDIS_URL } from '../helpers/test-stack.js';
import { wipeRedisPrefix } from '../helpers/redis-wipe.js';

describe('sweeper coordination', () => {
  let redis: Redis;
  let prefix: string;
  const opts = { leaseMs: 10_000, settleMs: 2000 };

  before(() => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  afterEach(() => wipeRedisPrefix(redis, prefix));
  after(async () => {
    await redis.quit();
  });
  const fresh = () => {
    prefix = `tc${randomBytes(4).toString('hex')}`;
    return [createSweeperCoordination(redis, prefix, opts), createSweeperCoordination(redis, prefix, opts)] as const;
  };

  it('one process leads; a wiped Redis is noticed once, by whichever process ticks first', async () => {
    const [a, b] = fresh();
    assert.deepEqual(await a.tick(), { redisLost: true, leader: true });
    assert.deepEqual(await b.tick(), { redisLost: false, leader: false });
    assert.deepEqual(await a.tick(), { redisLost: false, leader: true });
    assert.ok((await redis.pttl(`${prefix}:sweeper:leader`)) > 9000, 'the lease was not renewed');

    await wipeRedisPrefix(redis, prefix);
    const now = Date.now();
    assert.deepEqual(await b.tick(now), { redisLost: true, leader: true });
    assert.deepEqual(await a.tick(), { redisLost: false, leader: false });
    const run = await a.read();
    assert.equal(run?.reason, 'redis-emptied');
    assert.equal(run?.cursor, null);
    assert.equal(run?.notBefore, now + opts.settleMs);
  });

  it('only the leader saves progress, and the next leader resumes from it', async () => {
    const [a, b] = fresh();
    await a.tick();
    await b.tick();
    const state = (await a.read())!;
    const progress = { ...state, cursor: { status: 'queued' as const, batchId: 'bat_1', afterId: 'val_9' }, passes: 1, pages: 7, checked: 7000, requeued: 6500 };
    assert.equal(await a.save(progress), 'saved');
    assert.equal(await b.save({ ...progress, pages: 99 }), 'not-leader');

    await a.release();
    assert.equal((await b.tick()).leader, true);
    const resumed = await b.read();
    assert.deepEqual(resumed?.cursor, progress.cursor);
    assert.equal(resumed?.pages, 7);
    assert.equal(resumed?.requeued, 6500);
    assert.equal(await b.finish(resumed!), 'saved');
    assert.equal(await b.read(), null);
  });

  it('a newer loss replaces the run in progress; the old run can no longer save', async () => {
    const [a] = fresh();
    await a.tick();
    const old = (await a.read())!;
    await wipeRedisPrefix(redis, prefix);
    assert.equal((await a.tick()).redisLost, true);
    assert.notEqual((await a.read())!.run, old.run);
    assert.equal(await a.save({ ...old, pages: 3 }), 'superseded');
  });

  it('an idle-queue request creates a run only when none is pending', async () => {
    const [a] = fresh();
    await a.tick();
    assert.equal(await a.request('queue-idle'), false, 'a run was already pending (first start)');
    assert.equal(await a.finish((await a.read())!), 'saved');
    assert.equal(await a.request('queue-idle'), true);
    assert.equal((await a.read())?.reason, 'queue-idle');
  });
});
