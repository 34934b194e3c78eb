// Partner circuits as workers report them to Redis for the console's home page: the worst fresh state
// per partner wins, a stopped worker's fields go, and a dead worker's stale ones are pruned on read.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { readPartnerHealth, startPartnerHealthReports } from '../../src/partners/partner-health-board.js';
import type { BreakerState } from '../../src/partners/partner-breaker.js';
import { REDIS_URL } from '../helpers/test-stack.js';

const redis = new Redis(REDIS_URL);
const key = `t${randomBytes(5).toString('hex')}:partner-health`;
after(async () => {
  await redis.del(key);
  redis.disconnect();
});

const partner = (name: string, state: BreakerState) => ({ name, state: () => state });

describe('partner health board', () => {
  it('reports every partner of every worker; the worst fresh state per partner is shown', async () => {
    const stopA = startPartnerHealthReports(redis, key, 'wkrA', [partner('cashfree', 'closed'), partner('razorpay', 'closed')]);
    const stopB = startPartnerHealthReports(redis, key, 'wkrB', [partner('cashfree', 'open'), partner('razorpay', 'half_open')]);
    let shown: Awaited<ReturnType<typeof readPartnerHealth>> = [];
    for (let i = 0; i < 500 && shown.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 20));
      shown = await readPartnerHealth(redis, key);
    }
    assert.deepEqual(shown.map((p) => [p.partner, p.state]), [['cashfree', 'open'], ['razorpay', 'half_open']]);
    stopB();
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(Object.keys(await redis.hgetall(key)).sort(), ['cashfree|wkrA', 'razorpay|wkrA'], 'a stopped worker takes its fields with it');
    assert.deepEqual((await readPartnerHealth(redis, key)).map((p) => p.state), ['closed', 'closed']);
    stopA();
  });

  it('a dead worker’s report is not shown after a minute and is pruned from the hash', async () => {
    await redis.hset(key, 'sandbox|wkrDead', JSON.stringify({ state: 'open', at: Date.now() - 120_000 }), 'sandbox|wkrLive', JSON.stringify({ state: 'closed', at: Date.now() }), 'junk|x', 'not json');
    assert.deepEqual((await readPartnerHealth(redis, key)).map((p) => [p.partner, p.state]), [['sandbox', 'closed']]);
    assert.equal(await redis.hexists(key, 'sandbox|wkrDead'), 0);
  });
});
