// The Prometheus alerting rules (docs/deploy/monitoring): `promtool check rules` and `promtool test
// rules` pass (each alert fires from synthetic series, the near-misses do not); every alert has a
// severity, a summary, a description and a runbook that exists, and is fired by a test; and every
// metric and label an expression names is one a running payval registers (read from a runtime's registry).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { Runtime } from '../../src/runtime.js';
import { createTestContext, type TestContext } from '../helpers/test-stack.js';
import { promqlProblems } from '../helpers/promql-metrics.js';

const DIR = path.resolve('docs/deploy/monitoring');
const RULES = 'payval-alerts.yaml';
const TESTS = 'payval-alerts.test.yaml';

interface Rule { alert: string; expr: string; labels?: Record<string, string>; annotations?: Record<string, string> }
const rules: Rule[] = (parse(readFileSync(path.join(DIR, RULES), 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((g) => g.rules);

function promtool(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('promtool', args, { cwd: DIR, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
        resolve({ code: 127, output: 'promtool is not installed (Debian package prometheus; .ci/run installs it)' });
        return;
      }
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

let ctx: TestContext;
let rt: Runtime;
before(async () => {
  ctx = await createTestContext();
  rt = await ctx.start();
});
after(() => ctx.close());

describe('alerting rules', () => {
  it('pass promtool check rules and promtool test rules', async () => {
    const check = await promtool(['check', 'rules', RULES]);
    assert.equal(check.code, 0, check.output);
    assert.match(check.output, new RegExp(`SUCCESS: ${rules.length} rules found`));
    const test = await promtool(['test', 'rules', TESTS]);
    assert.equal(test.code, 0, test.output);
    assert.match(test.output, /SUCCESS/);
  });

  it('each alert has a severity, words for the person paged, a runbook, and a test that fires it', () => {
    const tests = parse(readFileSync(path.join(DIR, TESTS), 'utf8')) as { tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }> };
    const fired = new Set(tests.tests.flatMap((t) => (t.alert_rule_test ?? []).filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)));
    assert.ok(rules.length >= 10);
    for (const r of rules) {
      assert.match(r.labels?.severity ?? '', /^(critical|warning|info)$/, `${r.alert} severity`);
      assert.ok(r.annotations?.summary && r.annotations.description, `${r.alert} summary and description`);
      const runbook = r.annotations?.runbook_url ?? '';
      assert.ok(runbook.startsWith('docs/runbooks/') && existsSync(runbook), `${r.alert} runbook ${runbook}`);
      assert.ok(readFileSync(runbook, 'utf8').includes(r.alert), `${runbook} names ${r.alert}`);
      assert.ok(fired.has(r.alert), `${r.alert} is fired by a test in ${TESTS}`);
    }
  });

  it('name only metrics and labels that payval registers', async () => {
    assert.deepEqual(await promqlProblems(rt.metrics, rules.map((r) => r.expr)), []);
  });
});
