// The operator's metrics (issue 16), read from the runtime's own registry as Prometheus scrapes it:
// HTTP requests by route template (never a raw id), the work waiting in each queue and the age of the
// next job, and whether MySQL and Redis answer. The API runs alone, so a job it enqueues stays waiting.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Runtime } from '../../src/runtime.js';
import { bankAccount, createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';

let ctx: TestContext;
let rt: Runtime;

before(async () => {
  ctx = await createTestContext();
  rt = await ctx.start({ ROLE: 'api' });
});
after(() => ctx.close());

/** The value of one series of this API process, by its labels in any order (`role` is added). */
function series(text: string, name: string, labels: string): number | undefined {
  const parse = (list: string) => new Map([...list.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
  const wanted = parse(`${labels},role="api"`);
  for (const line of text.split('\n')) {
    const m = /^(\w+)\{(.*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = parse(m[2]!);
    if (got.size === wanted.size && [...wanted].every(([k, v]) => got.get(k) === v)) return Number(m[3]);
  }
  return undefined;
}

describe('operator metrics', () => {
  it('count HTTP requests by route template, and time them', async () => {
    const { apiKey } = await ctx.createTenant('Metered');
    const http = ctx.http(rt);
    const auth = { Authorization: `Bearer ${apiKey}` };
    const created = await http.post('/v1/validations').set(auth).send(bankAccount('50100012345678'));
    assert.equal(created.status, 202);
    assert.equal((await http.get(`/v1/validations/${created.body.id}`).set(auth)).status, 200);
    assert.equal((await http.get('/v1/validations/val_00000000000000000000000000').set(auth)).status, 404);
    assert.equal((await http.get('/no-such-page').set(auth)).status, 404);
    assert.equal((await http.get('/healthz')).status, 200);

    const text = await rt.metrics.metrics();
    assert.equal(series(text, 'payval_http_requests_total', 'method="POST",route="/v1/validations",status_class="2xx"'), 1);
    assert.equal(series(text, 'payval_http_requests_total', 'method="GET",route="/v1/validations/{id}",status_class="2xx"'), 1);
    assert.equal(series(text, 'payval_http_requests_total', 'method="GET",route="/v1/validations/{id}",status_class="4xx"'), 1);
    assert.equal(series(text, 'payval_http_requests_total', 'method="GET",route="unmatched",status_class="4xx"'), 1);
    assert.equal(series(text, 'payval_http_requests_total', 'method="GET",route="/healthz",status_class="2xx"'), 1);
    assert.equal(series(text, 'payval_http_request_duration_seconds_count', 'method="POST",route="/v1/validations"'), 1);
    const labelled = text.split('\n').filter((l) => l.startsWith('payval_http_request'));
    assert.ok(labelled.every((l) => !/val_[0-9A-Z]{10}/.test(l) && !l.includes('no-such-page')), 'no raw ids or paths in labels');
  });

  it('show the work waiting in each queue, the age of the next job, and MySQL and Redis up', async () => {
    const { apiKey } = await ctx.createTenant('Queued');
    const res = await ctx.http(rt).post('/v1/validations').set({ Authorization: `Bearer ${apiKey}` }).send(bankAccount('50100087654321'));
    assert.equal(res.status, 202);
    // No worker runs here: both validations of this file wait in the queue.
    const text = await eventually(async () => {
      const t = await rt.metrics.metrics();
      return (series(t, 'payval_queue_jobs', 'queue="validations",state="wait"') ?? 0) >= 2 ? t : null;
    }, 'the jobs to show as waiting');
    assert.ok(series(text, 'payval_queue_oldest_age_seconds', 'queue="validations"')! > 0, 'the next job has been waiting a while');
    for (const queue of ['validations', 'validation-slices', 'validation-rows', 'batch-feeds', 'webhooks']) {
      for (const state of ['wait', 'prioritized', 'active', 'delayed', 'paused']) {
        assert.notEqual(series(text, 'payval_queue_jobs', `queue="${queue}",state="${state}"`), undefined, `${queue} ${state}`);
      }
    }
    assert.equal(series(text, 'payval_queue_oldest_age_seconds', 'queue="webhooks"'), 0);
    assert.equal(series(text, 'payval_dependency_up', 'dependency="mysql"'), 1);
    assert.equal(series(text, 'payval_dependency_up', 'dependency="redis"'), 1);
    // A process's very first scrape already has the ages (both gauges share the scrape's one reading).
    const fresh = await ctx.start({ ROLE: 'api' });
    const first = await fresh.metrics.metrics();
    assert.ok(series(first, 'payval_queue_oldest_age_seconds', 'queue="validations"')! > 0, 'the first scrape shows the age');
    assert.equal(series(first, 'payval_queue_jobs', 'queue="validations",state="wait"'), series(text, 'payval_queue_jobs', 'queue="validations",state="wait"'));
  });
});
