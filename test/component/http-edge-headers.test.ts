import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Runtime } from '../../src/runtime.js';
import { bankAccount, createTestContext, type TestContext } from '../helpers/test-stack.js';

let ctx: TestContext;
let rt: Runtime;
let key: string;
const auth = () => ({ Authorization: `Bearer ${key}` });

before(async () => {
  ctx = await createTestContext();
  rt = await ctx.start({ ROLE: 'api' });
  ({ apiKey: key } = await ctx.createTenant('Headers'));
});
after(() => ctx.close());

describe('response headers', () => {
  it('every /v1 answer, success or error, is Cache-Control: no-store', async () => {
    const created = await ctx.http(rt).post('/v1/validations').set(auth()).send(bankAccount('123456789012'));
    const answers = [
      created,
      await ctx.http(rt).get(`/v1/validations/${created.body.id}`).set(auth()),
      await ctx.http(rt).get('/v1/validations'),
      await ctx.http(rt).get('/v1/validations/val_00000000000000000000000000').set(auth()),
      await ctx.http(rt).get('/v1/validations?nope=1').set(auth()),
      await ctx.http(rt).delete('/v1/validations').set(auth()),
    ];
    assert.deepEqual(answers.map((r) => r.status), [202, 200, 401, 404, 400, 405]);
    for (const r of answers) assert.equal(r.headers['cache-control'], 'no-store', `${r.status}`);
  });

  it('no ETag, so no weak-ETag 304: a conditional GET gets the full answer', async () => {
    const created = await ctx.http(rt).post('/v1/validations').set(auth()).send(bankAccount('123456789022'));
    const first = await ctx.http(rt).get(`/v1/validations/${created.body.id}`).set(auth());
    assert.equal(first.headers.etag, undefined);
    const again = await ctx.http(rt).get(`/v1/validations/${created.body.id}`).set(auth()).set('If-None-Match', 'W/"anything", *');
    assert.equal(again.status, 200);
  });

  it('405 names the allowed methods in Allow, from openapi.yaml', async () => {
    const cases: Array<[string, string, string]> = [
      ['delete', '/v1/validations', 'GET, POST'],
      ['put', '/v1/webhook-endpoints/whe_00000000000000000000000000', 'GET, PATCH, DELETE'],
      ['post', '/v1/batches/bat_00000000000000000000000000', 'GET'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await (ctx.http(rt) as unknown as Record<string, (p: string) => ReturnType<ReturnType<TestContext['http']>['get']>>)[method]!(path).set(auth());
      assert.equal(res.status, 405, `${method} ${path}`);
      assert.equal(res.body.error.code, 'route.method_not_allowed');
      assert.equal(res.headers.allow, allow, `${method} ${path}`);
    }
  });

  it('rate-limit headers are the IETF RateLimit-Policy / RateLimit fields with a reset, not X-RateLimit-*', async () => {
    const limited = await ctx.start({ ROLE: 'api', RATE_LIMIT_POINTS: '2', RATE_LIMIT_WINDOW_SECONDS: '30' });
    const t = await ctx.createTenant('Counted');
    const get = () => ctx.http(limited).get('/v1/validations').set('Authorization', `Bearer ${t.apiKey}`);
    const first = await get();
    assert.equal(first.headers['ratelimit-policy'], '"tenant";q=2;w=30');
    const firstReset = Number(/^"tenant";r=1;t=(\d+)$/.exec(first.headers.ratelimit ?? '')?.[1]);
    assert.ok(firstReset >= 1 && firstReset <= 30, first.headers.ratelimit);
    assert.equal(first.headers['x-ratelimit-limit'], undefined);
    assert.equal(first.headers['x-ratelimit-remaining'], undefined);
    await get();
    const refused = await get();
    assert.equal(refused.status, 429);
    const reset = Number(/;t=(\d+)$/.exec(refused.headers.ratelimit ?? '')?.[1]);
    assert.match(refused.headers.ratelimit ?? '', /^"tenant";r=0;t=\d+$/);
    assert.ok(reset >= 1 && reset <= 30);
    assert.equal(refused.headers['retry-after'], String(reset));
  });

  it('a 401 carries a Bearer challenge', async () => {
    const res = await ctx.http(rt).get('/v1/validations');
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="payval"');
  });
});

describe('logs and messages do not echo what the client sent', () => {
  it('a query string never reaches the log, and a digit run in a path is masked', async () => {
    const apiKeyInQuery = `pv_test_${'Q'.repeat(40)}`;
    const account = '501000123456789';
    const res = await ctx.http(rt).get(`/v1/validations/${account}?api_key=${apiKeyInQuery}&account=${account}`).set(auth());
    assert.equal(res.status, 400); // unknown query parameters
    const spaced = await ctx.http(rt).get('/v1/validations/5010%200012-3456-7890').set(auth());
    assert.equal(spaced.status, 404);
    const logs = ctx.logs.text();
    assert.ok(logs.includes('XXXXXXXXXXX6789'), 'the request was logged, masked');
    assert.ok(!logs.includes(apiKeyInQuery), 'API key from the query string in the log');
    assert.ok(!logs.includes('api_key'), 'query string in the log');
    assert.ok(!logs.includes(account), 'account number from the path in the log');
    assert.ok(!/5010\D{0,3}0012\D{0,3}3456/.test(logs), 'spaced account number from the path in the log');
  });

  it('not-found messages do not repeat the id that was asked for', async () => {
    const probes: Array<[string, string]> = [
      ['/v1/validations/val_ZZZZZZZZZZZZZZZZZZZZZZZZZZ', 'validation.not_found'],
      ['/v1/batches/bat_ZZZZZZZZZZZZZZZZZZZZZZZZZZ', 'batch.not_found'],
      ['/v1/webhook-endpoints/whe_ZZZZZZZZZZZZZZZZZZZZZZZZZZ', 'webhook.endpoint_not_found'],
      ['/v1/webhook-deliveries/whd_ZZZZZZZZZZZZZZZZZZZZZZZZZZ', 'webhook.delivery_not_found'],
    ];
    for (const [path, code] of probes) {
      const res = await ctx.http(rt).get(path).set(auth());
      assert.equal(res.status, 404, path);
      assert.equal(res.body.error.code, code);
      assert.ok(!res.body.error.message.includes('ZZZZ'), `${path}: ${res.body.error.message}`);
    }
  });
});
