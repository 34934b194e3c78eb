// Usage metering against the partner simulator's own charge ledger: a mixed run (singles, a JSON and
// a CSV batch, reuse through max_age, concurrent duplicates answered by single-flight, flaky accounts
// retried, a provider down with its traffic failed over, answers a partner does not bill, an answer
// payval cannot store) must leave usage_counters, GET /v1/usage, the CSV export and /metrics equal to
// what each simulated provider charged — exactly, provider by provider. See docs/decisions/0036.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Runtime } from '../../src/runtime.js';
import { periodAt } from '../../src/usage/usage-period.js';
import { bankAccount, createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';
import { account } from '../helpers/validation-client.js';
import { metric } from '../helpers/prom-text.js';

const T = { timeout: 180_000 };
// No breaker opens (a down provider fails over call by call); no call times out by accident on a busy
// machine (a timeout is an ambiguous call, resolved with the same partner, and would only slow things).
const ENV = {
  PARTNERS: 'cashfree,razorpay',
  PARTNER_CALL_TIMEOUT_MS: '5000',
  SWEEPER_STUCK_AFTER_MS: '10000',
  BREAKER_VOLUME_THRESHOLD: '10000',
  JOB_ATTEMPTS: '5',
  MAX_TOTAL_ATTEMPTS: '8',
};
const PROVIDERS = ['sandbox', 'cashfree', 'razorpay'] as const;

let ctx: TestContext;
let rt: Runtime;
type V = Record<string, any>;
type Tenant = Awaited<ReturnType<typeof tenant>>;
let live: Tenant;
let test: Tenant;

async function tenant(mode: 'test' | 'live') {
  const t = await ctx.createTenant(`Usage ${mode}`, { mode });
  const auth = { Authorization: `Bearer ${t.apiKey}` };
  const http = () => ctx.http(rt);
  const final = (id: string): Promise<V> =>
    eventually(async () => {
      const res = await http().get(`/v1/validations/${id}`).set(auth);
      return res.body.status === 'completed' || res.body.status === 'failed' ? (res.body as V) : null;
    }, `validation ${id} final`, 60_000);
  const batchDone = (id: string): Promise<V> =>
    eventually(async () => {
      const res = await http().get(`/v1/batches/${id}`).set(auth);
      return res.body.status === 'completed' ? (res.body as V) : null;
    }, `batch ${id} completed`, 90_000);
  return {
    ...t,
    auth,
    http,
    final,
    async create(body: object): Promise<string> {
      const res = await http().post('/v1/validations').set(auth).send(body);
      assert.equal(res.status, 202, JSON.stringify(res.body));
      return res.body.id as string;
    },
    async json(items: object[]): Promise<V> {
      const res = await http().post('/v1/batches').set(auth).send({ items });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      return batchDone(res.body.id as string);
    },
    async csv(lines: string[]): Promise<V> {
      const res = await http().post('/v1/batches').set(auth).set('Content-Type', 'text/csv').send(`${lines.join('\n')}\n`);
      assert.equal(res.status, 202, JSON.stringify(res.body));
      return batchDone(res.body.id as string);
    },
    usage(query: string) {
      return http().get(`/v1/usage${query}`).set(auth);
    },
  };
}

before(async () => {
  ctx = await createTestContext(ENV);
  rt = await ctx.start();
  live = await tenant('live');
  test = await tenant('test');
});
after(() => ctx.close());

/** usage_counters summed over shards and days, by mode, partner, rail and kind. */
async function counted(): Promise<Array<{ livemode: boolean; partner: string; rail: string; kind: string; n: number }>> {
  const [rows] = (await rt.db.raw('SELECT livemode, partner, rail, kind, SUM(count) AS n FROM usage_counters GROUP BY livemode, partner, rail, kind')) as unknown as [Array<Record<string, unknown>>];
  return rows.map((r) => ({ livemode: Boolean(r.livemode), partner: String(r.partner), rail: String(r.rail), kind: String(r.kind), n: Number(r.n) }));
}
const total = (rows: Awaited<ReturnType<typeof counted>>, where: Partial<{ livemode: boolean; partner: string; kind: string }>) =>
  rows.filter((r) => Object.entries(where).every(([k, v]) => r[k as keyof typeof r] === v)).reduce((n, r) => n + r.n, 0);

describe('usage equals the partners’ charge ledger after a mixed run', () => {
  const ids: Record<string, string> = {};

  it('single validations, retried flaky accounts, answers a partner does not bill or payval cannot store', T, async () => {
    const singles = await Promise.all([
      live.create(bankAccount(account('4562'), { name: 'Priya Nair' })),
      live.create(bankAccount(account('0000'))),
      live.create(bankAccount(account('7777'))),
      live.create({ type: 'vpa', vpa: 'ramesh.kumar@okaxis', name: 'Ramesh Kumar' }),
      // Cashfree fails its first two checks at the bank (unbilled), then answers.
      live.create(bankAccount(account('5555'))),
      test.create(bankAccount(account('4562'))),
      // The sandbox answers 503 twice (unbilled), then answers.
      test.create(bankAccount(account('5555'))),
    ]);
    const finals = await Promise.all(singles.map((id) => (singles.indexOf(id) < 5 ? live : test).final(id)));
    for (const v of finals) assert.equal(v.status, 'completed', JSON.stringify(v));

    // Cashfree refuses to verify …8888 (BAV_BLOCKED, unbilled): the validation fails, nothing is charged.
    ids.refused = await live.create(bankAccount(account('8888')));
    const refused = await live.final(ids.refused);
    assert.equal(refused.status, 'failed');
    assert.equal(ctx.sim.chargesFor(ids.refused), 0);

    // The sandbox answers with a reference payval cannot store (PartnerAnswerError): charged, and counted.
    ctx.sim.provider('sandbox').setFaults({ answerReference: 'not a storable reference' });
    try {
      ids.unstorable = await test.create(bankAccount(account('4562')));
      const v = await test.final(ids.unstorable);
      assert.equal(v.status, 'failed');
      assert.equal(v.failure.code, 'partner.bad_response');
    } finally {
      ctx.sim.provider('sandbox').setFaults({ answerReference: null });
    }
    assert.equal(ctx.sim.provider('sandbox').chargesFor(ids.unstorable), 1);
  });

  it('a provider down: its traffic fails over, including answers Razorpay does not bill', T, async () => {
    ctx.sim.provider('cashfree').down('503');
    try {
      ids.valid = await live.create(bankAccount(account('4563')));
      ids.closed = await live.create(bankAccount(account('4444')));
      ids.frozen = await live.create(bankAccount(account('2222')));
      const [valid, closed, frozen] = await Promise.all([live.final(ids.valid), live.final(ids.closed), live.final(ids.frozen)]);
      for (const v of [valid, closed, frozen]) assert.equal(v.result?.partner, 'razorpay', JSON.stringify(v));
      assert.equal(closed.result.account_status, 'closed');
      assert.equal(frozen.result.account_status, 'frozen');
      // Razorpay reverses failed validations: these two answers cost nothing.
      assert.equal(ctx.sim.chargesFor(ids.closed), 0);
      assert.equal(ctx.sim.chargesFor(ids.frozen), 0);
      assert.equal(ctx.sim.chargesFor(ids.valid), 1);
    } finally {
      ctx.sim.provider('cashfree').up();
    }
  });

  it('reuse through max_age and concurrent duplicates through single-flight', T, async () => {
    const payee = bankAccount(account('4564'), { name: 'Lakshmi Krishnan' });
    const together = await Promise.all(Array.from({ length: 5 }, () => live.create(payee)));
    const finals = await Promise.all(together.map((id) => live.final(id)));
    assert.equal(finals.filter((v) => v.result.cached).length, 4, 'one call for five validations of one payee');
    const again = await live.final(await live.create(payee));
    assert.equal(again.result.cached, true);
  });

  it('a JSON batch (with an in-batch duplicate) and a CSV batch', T, async () => {
    const dup = account('4565');
    const json = await live.json([bankAccount(dup), bankAccount(dup), bankAccount(account('5555')), bankAccount(account('3333')), { type: 'vpa', vpa: 'priya.nair@okhdfc' }]);
    assert.equal(json.counts.completed, 5);
    const csv = await test.csv(['account_number,ifsc,name', `${account('4566')},HDFC0000001,Anita Sharma`, `${account('5555')},HDFC0000001,`, `${account('0000')},HDFC0000001,`]);
    assert.equal(csv.counts.completed, 3);
  });

  it('usage_counters, per provider, equal the simulator’s charges; saved calls equal the cached rows', T, async () => {
    const rows = await counted();
    const stats = ctx.sim.stats();
    for (const p of PROVIDERS) {
      assert.equal(total(rows, { partner: p, kind: 'billable' }), stats.providers[p]!.charges, `${p}: usage ${total(rows, { partner: p, kind: 'billable' })}, charged ${stats.providers[p]!.charges}`);
    }
    // Not vacuous: every provider charged, and both modes were counted.
    assert.ok(stats.providers.cashfree!.charges >= 8 && stats.providers.razorpay!.charges >= 1 && stats.providers.sandbox!.charges >= 5, JSON.stringify(stats.providers));
    assert.equal(stats.referencesChargedMoreThanOnce, 0);
    assert.equal(total(rows, { kind: 'possibly_billed' }), 0, 'every call in this run was resolved');

    const cached = await rt.db('validations').where({ cached: true }).count({ n: '*' });
    const saved = total(rows, { kind: 'reuse' }) + total(rows, { kind: 'single_flight' });
    assert.equal(saved, Number(cached[0]?.n));
    assert.ok(total(rows, { kind: 'single_flight' }) >= 1 && total(rows, { kind: 'reuse' }) >= 1, JSON.stringify(rows));
    // Rails as the validations had them: the VPAs went over UPI.
    assert.equal(total(rows.filter((r) => r.rail === 'UPI'), { livemode: true, kind: 'billable' }), 2);
  });

  it('GET /v1/usage shows the key’s mode, grouped, and agrees with the table; another tenant sees nothing', T, async () => {
    const rows = await counted();
    const today = periodAt(new Date(), rt.config.usage.offsetMinutes).day;
    const range = `from=${today}&to=${today}`;
    const res = await live.usage(`?${range}&group_by=partner,rail`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.livemode, true);
    assert.equal(res.body.timezone, '+05:30');
    assert.deepEqual(res.body.group_by, ['partner', 'rail']);
    for (const line of res.body.data as V[]) {
      for (const kind of ['billable', 'possibly_billed', 'reuse', 'single_flight']) {
        assert.equal(line[kind], total(rows.filter((r) => r.rail === line.rail), { livemode: true, partner: line.partner, kind }), `${line.partner} ${line.rail} ${kind}`);
      }
    }
    assert.equal(res.body.totals.billable, total(rows, { livemode: true, kind: 'billable' }));

    const testSide = await test.usage(`?${range}&group_by=none`);
    assert.equal(testSide.status, 200, JSON.stringify(testSide.body));
    assert.deepEqual(testSide.body.data, [{ billable: total(rows, { livemode: false, kind: 'billable' }), possibly_billed: 0, reuse: 0, single_flight: 0 }]);
    assert.equal(testSide.body.livemode, false);

    const other = await tenant('live');
    const nothing = await other.usage(`?${range}`);
    assert.deepEqual(nothing.body.data, []);
    assert.equal(nothing.body.totals.billable, 0);

    for (const [query, field] of [['?from=2026-12-02&to=2026-12-01', 'to'], ['?from=2025-01-01&to=2026-12-01', 'to'], ['?group_by=day,day', 'group_by']] as const) {
      const bad = await live.usage(query);
      assert.equal(bad.status, 400, query);
      assert.equal(bad.body.error.details.field, field, query);
    }
    assert.equal((await live.usage('?group_by=tenant')).status, 400);
  });

  it('the month as CSV, and /metrics, agree with the table', T, async () => {
    const rows = await counted();
    const month = periodAt(new Date(), rt.config.usage.offsetMinutes).month;
    const res = await live.http().get(`/v1/usage/export?month=${month}`).set(live.auth).buffer(true).parse((r, cb) => {
      let text = '';
      r.on('data', (c: Buffer) => (text += c.toString('utf8')));
      r.on('end', () => cb(null, text));
    });
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-disposition']), new RegExp(`usage-${month}-live\\.csv`));
    const [header, ...lines] = (res.body as string).trim().split('\r\n');
    assert.equal(header, 'day,rail,partner,billable,possibly_billed,reuse,single_flight');
    const billable = lines.reduce((n, l) => n + Number(l.split(',')[3]), 0);
    assert.equal(billable, total(rows, { livemode: true, kind: 'billable' }));

    const text = await rt.metrics.metrics();
    let series = 0;
    for (const r of rows) {
      assert.equal(metric(text, 'payval_usage_total', { kind: r.kind, rail: r.rail, partner: r.partner, livemode: String(r.livemode) }), r.n, JSON.stringify(r));
      series += r.n;
    }
    const all = text.split('\n').filter((l) => l.startsWith('payval_usage_total{')).reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    assert.equal(all, series, 'no series beyond the table');
  });
});
