import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { parse } from 'yaml';
import type { Test } from 'supertest';
import { OPENAPI_PATH } from '../../src/app.js';
import type { Runtime } from '../../src/runtime.js';
import { bankAccount, createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';
import { chunk, RawConnection, requestHead } from '../helpers/raw-connection.js';

interface Layer { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } }

function collectRoutes(stack: Layer[], out = new Set<string>()): Set<string> {
  for (const layer of stack) {
    if (layer.route) {
      for (const [method, on] of Object.entries(layer.route.methods)) {
        if (on && method !== '_all') out.add(`${method.toUpperCase()} ${layer.route.path.replace(/:(\w+)/g, '{$1}')}`);
      }
    } else if (layer.handle?.stack) {
      collectRoutes(layer.handle.stack, out);
    }
  }
  return out;
}

type Obj = Record<string, unknown>;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
type Method = (typeof METHODS)[number];
interface Operation { method: Method; template: string; id: string; jsonBody: boolean; responses: string[] }

let spec: { paths: Record<string, Obj> };
let operations: Operation[];
let ctx: TestContext;
let rt: Runtime;
let key: string;

// A well-formed id nobody has, per path: each path's {id} names one kind of object.
const MISSING: Array<[RegExp, string]> = [
  [/^\/v1\/validations/, 'val_00000000000000000000000000'],
  [/^\/v1\/batches/, 'bat_00000000000000000000000000'],
  [/^\/v1\/webhook-endpoints/, 'whe_00000000000000000000000000'],
  [/^\/v1\/webhook-deliveries/, 'whd_00000000000000000000000000'],
  [/^\/v1\/erasure-requests/, 'ers_00000000000000000000000000'],
  [/^\/console\//, 'obj_00000000000000000000000000'],
];
const concrete = (template: string, id?: string) =>
  template.includes('{id}') ? template.replace('{id}', id ?? MISSING.find(([re]) => re.test(template))![1]) : template;
const SINCE = new Date(Date.now() - 60_000).toISOString();

/** A body each JSON operation accepts. */
const VALID_BODY: Record<string, () => object> = {
  createValidation: () => bankAccount('123456789012'),
  matchNames: () => ({ name_1: 'Ramesh Kumar', name_2: 'RAMESH KUMAR' }),
  updateSettings: () => ({ reuse_max_age_seconds: 60 }),
  createBatch: () => ({ items: [bankAccount('123456789012')] }),
  createWebhookEndpoint: () => ({ url: 'http://127.0.0.1:9/hook', events: ['batch.completed'] }),
  updateWebhookEndpoint: () => ({ enabled: true }),
  rotateWebhookEndpointSecret: () => ({}),
  replayWebhookEndpoint: () => ({ since: SINCE }),
  rotateDefaultWebhookSecret: () => ({}),
  createErasureRequest: () => ({ type: 'vpa', vpa: 'nobody.here@okaxis' }),
};

/** Another body each idempotent POST accepts, so reusing a key with it is a different request. */
const OTHER_BODY: Record<string, () => object> = {
  createValidation: () => bankAccount('123456789013'),
  createBatch: () => ({ items: [bankAccount('123456789013')] }),
  createWebhookEndpoint: () => ({ ...VALID_BODY.createWebhookEndpoint!(), description: 'another' }),
  rotateWebhookEndpointSecret: () => ({ overlap_seconds: 0 }),
  replayWebhookEndpoint: () => ({ since: new Date(Date.parse(SINCE) - 1000).toISOString() }),
  rotateDefaultWebhookSecret: () => ({ overlap_seconds: 0 }),
};

function call(runtime: Runtime, op: Pick<Operation, 'method' | 'template'>, opts: { id?: string; bearer?: string | null; query?: string } = {}): Test {
  const req = ctx.http(runtime)[op.method](`${concrete(op.template, opts.id)}${opts.query ?? ''}`);
  const bearer = opts.bearer === undefined ? key : opts.bearer;
  if (bearer !== null) req.set('Authorization', `Bearer ${bearer}`);
  return req;
}
/** supertest would JSON-encode a Buffer sent as application/json; these bytes go out as they are. */
const raw = (req: Test, bytes: Buffer, headers: Record<string, string>) =>
  req.set({ 'Content-Type': 'application/json', ...headers }).serialize((b: Buffer) => b as unknown as string).send(bytes as unknown as object);
const withBody = (req: Test, op: Operation & { operationId?: string }) => (op.jsonBody ? req.send(VALID_BODY[opId(op)]!()) : req);
const opId = (op: Pick<Operation, 'method' | 'template'>) => (spec.paths[op.template]![op.method] as { operationId: string }).operationId;
const label = (op: Pick<Operation, 'method' | 'template'>) => `${op.method.toUpperCase()} ${op.template}`;
const v1 = () => operations.filter((o) => o.template.startsWith('/v1/'));
const errorCode = (res: { body: { error?: { code?: string } } }) => res.body.error?.code;

before(async () => {
  spec = parse(await readFile(OPENAPI_PATH, 'utf8')) as typeof spec;
  operations = Object.entries(spec.paths).flatMap(([template, item]) =>
    METHODS.filter((m) => m in item).map((method) => {
      const op = item[method] as { requestBody?: { content?: Obj }; responses: Obj };
      return { method, template, id: '', jsonBody: Boolean(op.requestBody?.content?.['application/json']), responses: Object.keys(op.responses) };
    }),
  );
  ctx = await createTestContext();
  rt = await ctx.start({ ROLE: 'api', HTTP_LARGE_BODY_CONCURRENCY: '1' }, { listen: true });
  ({ apiKey: key } = await ctx.createTenant('Contract'));
});
after(() => ctx.close());

describe('openapi.yaml is the contract', () => {
  it('documents exactly the routes the app serves', () => {
    const documented = new Set(operations.map((o) => `${o.method.toUpperCase()} ${o.template}`));
    const served = collectRoutes((rt.app as unknown as { router: { stack: Layer[] } }).router.stack);
    assert.deepEqual([...served].sort(), [...documented].sort());
  });

  it('the response checker is not vacuous: it flags an undocumented status, header, missing Allow and Retry-After', () => {
    const base = { 'x-request-id': 'req_1', 'cache-control': 'no-store' };
    assert.match(ctx.contract.check('GET', '/v1/validations/val_x', 418, base).join(), /418 is not documented/);
    assert.match(ctx.contract.check('GET', '/v1/validations', 200, { ...base, 'x-ratelimit-limit': '5' }).join(), /x-ratelimit-limit is not documented/);
    assert.match(ctx.contract.check('DELETE', '/v1/validations', 405, base).join(), /Allow is undefined, openapi.yaml says GET, POST/);
    assert.match(ctx.contract.check('POST', '/v1/validations', 409, base).join(), /no Retry-After/);
    assert.match(ctx.contract.check('GET', '/v1/validations', 200, { 'x-request-id': 'r' }).join(), /not no-store/);
    assert.deepEqual(ctx.contract.check('GET', '/v1/validations', 200, { ...base, ratelimit: '"tenant";r=1;t=1', 'ratelimit-policy': '"tenant";q=2;w=1' }), []);
  });

  it('every /v1 operation documents 400, 401, 429, 500 and 503; 404 with a path id; 413 and 415 with a JSON body', () => {
    for (const op of v1()) {
      const want = ['400', '401', '429', '500', '503', ...(op.template.includes('{id}') ? ['404'] : []), ...(op.jsonBody ? ['413', '415'] : [])];
      for (const status of want) assert.ok(op.responses.includes(status), `${label(op)} does not document ${status}`);
    }
  });
});

describe('every operation, through its error paths (each answer checked against openapi.yaml)', () => {
  it('401 without a key, with a Bearer challenge', async () => {
    for (const op of v1()) {
      const res = await withBody(call(rt, op, { bearer: null }), op);
      assert.equal(res.status, 401, label(op));
      assert.equal(res.headers['www-authenticate'], 'Bearer realm="payval"');
    }
  });

  it('400 for an unknown query parameter', async () => {
    for (const op of v1()) {
      const res = await withBody(call(rt, op, { query: '?surprise=1' }), op);
      assert.equal(res.status, 400, label(op));
      assert.equal(errorCode(res), 'request.invalid', label(op));
    }
  });

  it('404 for an id nobody has, 400 for an id longer than the schema allows', async () => {
    for (const op of v1().filter((o) => o.template.includes('{id}'))) {
      const missing = await withBody(call(rt, op), op);
      assert.equal(missing.status, 404, label(op));
      const long = await withBody(call(rt, op, { id: 'x'.repeat(65) }), op);
      assert.equal(long.status, 400, `${label(op)} with a 65-character id`);
    }
  });

  it('JSON bodies: 415 for another media type or coding, 400 for bad JSON or a corrupt gzip, 413 past the limit', async () => {
    const bomb = gzipSync(Buffer.alloc(9 * 1024 * 1024, 0x20));
    for (const op of v1().filter((o) => o.jsonBody)) {
      const valid = Buffer.from(JSON.stringify(VALID_BODY[opId(op)]!()));
      const text = await call(rt, op).set('Content-Type', 'text/plain').send('hello');
      assert.equal(text.status, 415, label(op));
      assert.equal(errorCode(text), 'request.unsupported_media_type');
      const coding = await raw(call(rt, op), valid, { 'Content-Encoding': 'compress' });
      assert.equal(errorCode(coding), 'request.unsupported_content_encoding', label(op));
      const corrupt = await raw(call(rt, op), Buffer.from('not gzip'), { 'Content-Encoding': 'gzip' });
      assert.equal(errorCode(corrupt), 'request.invalid_content_encoding', label(op));
      const malformed = await raw(call(rt, op), Buffer.from('{"oops":'), {});
      assert.equal(errorCode(malformed), 'request.malformed_json', label(op));
      const tooLarge = await raw(call(rt, op), bomb, { 'Content-Encoding': 'gzip' });
      assert.equal(tooLarge.status, 413, label(op));
    }
  });

  it('503 service.busy with Retry-After while the large-body slot is taken', async () => {
    const holder = await RawConnection.open(rt.url!);
    try {
      await holder.write(requestHead('POST', '/v1/name-match', { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' }));
      await holder.write(chunk('{"name_1":'));
      const gz = (op: Operation) => gzipSync(Buffer.from(JSON.stringify(VALID_BODY[opId(op)]!())));
      const first = v1().find((o) => o.jsonBody)!;
      await eventually(async () => (await raw(call(rt, first), gz(first), { 'Content-Encoding': 'gzip' })).status === 503, 'the slot to be taken');
      for (const op of v1().filter((o) => o.jsonBody)) {
        const res = await raw(call(rt, op), gz(op), { 'Content-Encoding': 'gzip' });
        assert.equal(res.status, 503, label(op));
        assert.equal(errorCode(res), 'service.busy');
        assert.equal(res.headers['retry-after'], '1');
      }
    } finally {
      holder.destroy();
    }
  });

  it('429 with Retry-After and RateLimit r=0 once the tenant limit is spent', async () => {
    const limited = await ctx.start({ ROLE: 'api', RATE_LIMIT_POINTS: '1', RATE_LIMIT_WINDOW_SECONDS: '600' });
    const t = await ctx.createTenant('Spent');
    await call(limited, v1()[0]!, { bearer: t.apiKey });
    for (const op of v1()) {
      const res = await withBody(call(limited, op, { bearer: t.apiKey }), op);
      assert.equal(res.status, 429, label(op));
      assert.match(res.headers.ratelimit ?? '', /^"tenant";r=0;t=\d+$/);
      assert.ok(Number(res.headers['retry-after']) >= 1);
    }
  });

  it('405 with Allow for a method a path does not have, on every path', async () => {
    for (const [template, item] of Object.entries(spec.paths)) {
      const missing = METHODS.find((m) => !(m in item))!;
      const res = await call(rt, { method: missing, template });
      assert.equal(res.status, 405, `${missing.toUpperCase()} ${template}`);
      assert.equal(res.headers.allow, METHODS.filter((m) => m in item).map((m) => m.toUpperCase()).join(', '));
    }
  });

  it('422 for an Idempotency-Key reused with another request, on every POST that honours it', async () => {
    const endpoint = await ctx.http(rt).post('/v1/webhook-endpoints').set('Authorization', `Bearer ${key}`).send(VALID_BODY.createWebhookEndpoint!());
    assert.equal(endpoint.status, 201);
    // retryWebhookDelivery is left out: its first call needs a delivery (webhook-idempotency.test.ts covers it).
    const honours = v1().filter((o) => o.method === 'post' && opId(o) !== 'retryWebhookDelivery' && (spec.paths[o.template]!.post as { parameters?: Obj[] }).parameters?.some((p) => String(p.$ref).endsWith('/IdempotencyKey')));
    assert.equal(honours.length, 6);
    for (const op of honours) {
      const k = randomUUID();
      const first = await call(rt, op, { id: endpoint.body.id }).set('Idempotency-Key', k).send(VALID_BODY[opId(op)]!());
      assert.ok(first.status < 300, `${label(op)}: ${first.status} ${JSON.stringify(first.body)}`);
      const replay = await call(rt, op, { id: endpoint.body.id }).set('Idempotency-Key', k).send(VALID_BODY[opId(op)]!());
      assert.equal(replay.headers['idempotent-replayed'], 'true', label(op));
      const other = await call(rt, op, { id: endpoint.body.id }).set('Idempotency-Key', k).send(OTHER_BODY[opId(op)]!());
      assert.equal(other.status, 422, label(op));
      assert.equal(errorCode(other), 'idempotency.key_reused', label(op));
    }
  });

  it('no answer in this file broke the contract', () => {
    assert.deepEqual(ctx.contract.violations, []);
  });
});
