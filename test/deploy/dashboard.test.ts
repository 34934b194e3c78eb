// The Grafana dashboard (docs/deploy/monitoring/payval-dashboard.json) against payval's real metrics:
// every query names metrics and labels a running payval registers (read from a runtime's registry),
// the panels cover what an operator watches, and the datasource is a variable so it imports anywhere.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Runtime } from '../../src/runtime.js';
import { createTestContext, type TestContext } from '../helpers/test-stack.js';
import { promqlProblems } from '../helpers/promql-metrics.js';

interface Panel { id: number; type: string; title: string; datasource?: { uid?: string }; gridPos: { x: number; y: number; w: number; h: number }; targets?: Array<{ expr: string; refId: string }> }
const dashboard = JSON.parse(readFileSync('docs/deploy/monitoring/payval-dashboard.json', 'utf8')) as { uid: string; title: string; panels: Panel[]; templating: { list: Array<{ name: string; type: string }> } };
const panels = dashboard.panels.filter((p) => p.type !== 'row');
const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

let ctx: TestContext;
let rt: Runtime;
before(async () => {
  ctx = await createTestContext();
  rt = await ctx.start();
});
after(() => ctx.close());

describe('Grafana dashboard', () => {
  it('queries only metrics and labels payval registers (and the check itself catches a wrong one)', async () => {
    assert.deepEqual(await promqlProblems(rt.metrics, exprs), []);
    const wrong = await promqlProblems(rt.metrics, ['sum by (tenant) (rate(payval_http_requests_total{path="/v1"}[5m]))', 'payval_no_such_metric']);
    assert.equal(wrong.length, 3, wrong.join('\n'));
  });

  it('covers requests, latency, queues, partners, breakers, webhooks, usage and dependencies', () => {
    const all = exprs.join('\n');
    for (const name of [
      'payval_http_requests_total', 'payval_http_request_duration_seconds_bucket', 'payval_queue_jobs', 'payval_queue_oldest_age_seconds',
      'payval_partner_calls_total', 'payval_partner_call_duration_seconds_bucket', 'payval_partner_breaker_state', 'payval_webhook_attempts_total',
      'payval_usage_total', 'payval_dependency_up', 'payval_worker_validations_in_flight',
    ]) assert.ok(all.includes(name), `a panel shows ${name}`);
  });

  it('is importable anywhere: a datasource variable, unique panel ids and refIds, panels inside the 24-column grid', () => {
    assert.equal(dashboard.uid, 'payval-overview');
    assert.ok(dashboard.templating.list.some((v) => v.name === 'datasource' && v.type === 'datasource'));
    assert.equal(new Set(dashboard.panels.map((p) => p.id)).size, dashboard.panels.length);
    for (const p of panels) {
      assert.equal(p.datasource?.uid, '${datasource}', `${p.title} uses the datasource variable`);
      assert.ok(p.gridPos.x + p.gridPos.w <= 24, `${p.title} fits the grid`);
      const refs = (p.targets ?? []).map((t) => t.refId);
      assert.ok(refs.length > 0 && new Set(refs).size === refs.length, `${p.title} has distinct queries`);
    }
  });
});
