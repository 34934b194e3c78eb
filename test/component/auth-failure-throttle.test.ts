import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Runtime } from '../../src/runtime.js';
import { createTestContext, type TestContext } from '../helpers/test-stack.js';

let ctx: TestContext;
let key: string;
const wrongKey = `pv_test_${'w'.repeat(40)}`;

const failureCounters = () => ctx.redis.keys(`${ctx.env.QUEUE_PREFIX}:authfail*`);

before(async () => {
  ctx = await createTestContext();
  await ctx.start({ ROLE: 'api' });
  ({ apiKey: key } = await ctx.createTenant('Throttled'));
});
after(() => ctx.close());
// Every runtime here counts under the same prefix: each test starts from no failures.
beforeEach(async () => {
  const keys = await failureCounters();
  if (keys.length) await ctx.redis.del(...keys);
});

const get = (rt: Runtime, bearer: string | null, forwardedFor?: string) => {
  const req = ctx.http(rt).get('/v1/validations');
  if (bearer !== null) req.set('Authorization', `Bearer ${bearer}`);
  if (forwardedFor) req.set('X-Forwarded-For', forwardedFor);
  return req;
};

describe('failed authentications are throttled per client address', () => {
  it('past AUTH_FAILURE_LIMIT failures an address gets 429 auth.too_many_failures with Retry-After, even with a valid key', async () => {
    const rt = await ctx.start({ ROLE: 'api', AUTH_FAILURE_LIMIT: '3', AUTH_FAILURE_WINDOW_SECONDS: '60' });
    assert.equal((await get(rt, key)).status, 200, 'a valid key counts nothing');
    const statuses = [];
    for (const bearer of [wrongKey, 'garbage', null]) statuses.push((await get(rt, bearer)).status);
    assert.deepEqual(statuses, [401, 401, 401]);
    const refused = await get(rt, wrongKey);
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error.code, 'auth.too_many_failures');
    const retryAfter = Number(refused.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    // Checked before the key is looked up: the address is refused whatever it sends.
    assert.equal((await get(rt, key)).status, 429);
    assert.equal((await failureCounters()).length, 1, 'one counter, in Redis');
  });

  it('TRUST_PROXY off (default): X-Forwarded-For is ignored, the socket address counts', async () => {
    const rt = await ctx.start({ ROLE: 'api', AUTH_FAILURE_LIMIT: '2' });
    assert.equal((await get(rt, wrongKey, '203.0.113.1')).status, 401);
    assert.equal((await get(rt, wrongKey, '203.0.113.2')).status, 401);
    assert.equal((await get(rt, key, '203.0.113.3')).status, 429, 'a forged header does not buy a fresh budget');
  });

  it('TRUST_PROXY=loopback: each forwarded client has its own budget', async () => {
    const rt = await ctx.start({ ROLE: 'api', AUTH_FAILURE_LIMIT: '2', TRUST_PROXY: 'loopback' });
    assert.equal((await get(rt, wrongKey, '203.0.113.1')).status, 401);
    assert.equal((await get(rt, wrongKey, '203.0.113.1')).status, 401);
    assert.equal((await get(rt, key, '203.0.113.1')).status, 429);
    assert.equal((await get(rt, key, '203.0.113.2')).status, 200, 'another client behind the same proxy is unaffected');
    // IPv6 clients count per /64, so rotating addresses inside one allocation buys nothing.
    assert.equal((await get(rt, wrongKey, '2001:db8:1:2::1')).status, 401);
    assert.equal((await get(rt, wrongKey, '2001:db8:1:2::ffff')).status, 401);
    assert.equal((await get(rt, key, '2001:db8:1:2:abcd::9')).status, 429);
  });
});
