// How the worker pipeline behaves when the partner or the worker itself misbehaves: retries with
// backoff, the circuit breaker, a worker SIGKILLed mid-job (once, then twice), and an emptied Redis.
// Every case asserts outcomes: the row in MySQL, the public view, the partner calls the sandbox
// counted, the breaker state and the BullMQ job. The file ends with a scan of every log line, every
// child process's output and every Redis key it produced for the full account numbers it used.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import type { Runtime } from '../../src/runtime.js';
import { validationJobId } from '../../src/platform/queues.js';
import { SANDBOX_NAMES } from '../../src/partners/sandbox/sandbox-rules.js';
import { bankAccount, createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';
import { spawnWorkerProcess, WORKER_READY_MESSAGE, type WorkerProcess } from '../helpers/worker-process.js';

const TEST_TIMEOUT = { timeout: 60_000 };

// Everything the final leak scan looks at, collected as the file runs.
const usedAccounts: string[] = [];
const apiResponses: string[] = [];
const contexts: TestContext[] = [];
const redisDumps: string[] = [];
const children: WorkerProcess[] = [];

/** A unique account number: 10 random digits, then the sandbox's 4-digit magic suffix. */
function account(suffix: string): string {
  const n = `${randomInt(1_000_000_000, 10_000_000_000)}${suffix}`;
  usedAccounts.push(n);
  return n;
}

async function openContext(overrides: Record<string, string> = {}): Promise<TestContext> {
  const ctx = await createTestContext(overrides);
  contexts.push(ctx);
  return ctx;
}

/** Quiesces the context's runtimes, keeps a copy of its Redis for the leak scan, then tears it down. */
async function closeContext(ctx: TestContext | undefined): Promise<void> {
  if (!ctx) return;
  for (const r of ctx.runtimes) await r.stop();
  redisDumps.push(await ctx.dumpRedis());
  await ctx.close();
}

function startChild(ctx: TestContext, overrides: Record<string, string>): WorkerProcess {
  const child = spawnWorkerProcess({ ...ctx.env, ROLE: 'worker', ...overrides });
  children.push(child);
  return child;
}

after(async () => {
  await Promise.all(children.map((c) => c.kill('SIGKILL')));
});

type Row = Record<string, unknown> & { id: string; status: string; attempts: number };

async function readRow(rt: Runtime, id: string): Promise<Row> {
  const row = (await rt.db('validations').where({ id }).first()) as Row | undefined;
  assert.ok(row, `row ${id} missing`);
  return { ...row, attempts: Number(row.attempts) };
}

async function finalRow(rt: Runtime, id: string, timeoutMs = 20_000): Promise<Row> {
  return eventually(
    async () => {
      const row = await readRow(rt, id);
      return row.status === 'completed' || row.status === 'failed' ? row : undefined;
    },
    `validation ${id} to become final`,
    timeoutMs,
  );
}

async function countRows(rt: Runtime, id: string): Promise<number> {
  const [r] = (await rt.db('validations').where({ id }).count({ n: '*' })) as Array<{ n: number | string }>;
  return Number(r?.n);
}

/** The API half of a context: POST and GET against an in-process app, recording every answer. */
function apiClient(ctx: TestContext, rt: Runtime, apiKey: string) {
  const auth = { Authorization: `Bearer ${apiKey}` };
  return {
    async create(body: object): Promise<{ id: string; status: string }> {
      const res = await ctx.http(rt).post('/v1/validations').set(auth).send(body);
      assert.equal(res.status, 202, res.text);
      apiResponses.push(res.text);
      return res.body as { id: string; status: string };
    },
    async view(id: string) {
      const res = await ctx.http(rt).get(`/v1/validations/${id}`).set(auth);
      assert.equal(res.status, 200, res.text);
      apiResponses.push(res.text);
      return res.body as {
        status: string;
        attempts: number;
        failure: { code: string } | null;
        result: { account_status: string; registered_name: string | null } | null;
        bank_account: { masked_account_number: string } | null;
        completed_at: string | null;
      };
    },
  };
}

async function jobState(rt: Runtime, validationId: string): Promise<string> {
  const job = await rt.queue.getJob(validationJobId(validationId));
  return job ? await job.getState() : 'missing';
}

const SWEEPER_REQUEUED = /sweeper re-enqueued validations that had lost their job/;
const countMatches = (text: string, re: RegExp): number => text.match(new RegExp(re.source, 'g'))?.length ?? 0;

const ms = (d: unknown): number => new Date(d as Date).getTime();

// Minimum gap between attempt k's claim and the final write when every attempt times out: each
// remaining attempt waits the full call timeout, and each retry delay is at least
// base·2^(n-1)·(1 − jitter) (jitter only shortens delays).
function minSpanFromClaim(k: number, o: { attempts: number; timeoutMs: number; baseMs: number; jitter: number }): number {
  let total = 0;
  for (let n = k; n <= o.attempts; n++) total += o.timeoutMs;
  for (let n = k; n < o.attempts; n++) total += o.baseMs * 2 ** (n - 1) * (1 - o.jitter);
  return total;
}

describe('partner failures on one worker (TEST_ENV defaults)', () => {
  let ctx: TestContext;
  let api: ReturnType<typeof apiClient>;
  let apiRt: Runtime;

  before(async () => {
    ctx = await openContext();
    apiRt = await ctx.start({ ROLE: 'api' });
    // A live key: these tests read the live router's sandbox breaker (test keys have one of their own).
    api = apiClient(ctx, apiRt, (await ctx.createTenant('Resilience', { mode: 'live' })).apiKey);
  });
  after(() => closeContext(ctx));

  it('an account that always times out is retried with backoff, ends failed partner.timeout, and does not open the breaker on its own', TEST_TIMEOUT, async (t) => {
    // A fresh worker runtime, so its breaker has seen no other calls.
    const worker = await ctx.start({ ROLE: 'worker' });
    try {
      const cfg = worker.config.worker;
      assert.equal(cfg.attempts, 3);
      assert.equal(worker.config.partners.callTimeoutMs, 300);
      assert.equal(worker.config.partners.breaker.volumeThreshold, 5);

      const acct = account('1111');
      const created = await api.create(bankAccount(acct));
      // The earliest claim we can see: attempt 1's processing_started_at (each claim overwrites it).
      const firstSeen = await eventually(
        async () => {
          const row = await readRow(apiRt, created.id);
          return row.attempts >= 1 ? { attempt: row.attempts, at: ms(row.processing_started_at) } : undefined;
        },
        'the first claim',
      );
      const row = await finalRow(apiRt, created.id);

      const view = await api.view(created.id);
      assert.equal(view.status, 'failed');
      assert.equal(view.failure?.code, 'partner.timeout');
      assert.equal(view.result, null);
      assert.equal(view.attempts, 3);
      assert.equal(row.attempts, 3);
      assert.equal(ctx.sim.callsFor(created.id), 3, 'one partner call per attempt');

      // Backoff: claim → final write spans every remaining timeout plus the minimum retry delays.
      const bound = minSpanFromClaim(firstSeen.attempt, {
        attempts: cfg.attempts,
        timeoutMs: worker.config.partners.callTimeoutMs,
        baseMs: cfg.retry.baseMs,
        jitter: cfg.retry.jitter,
      });
      const span = ms(row.completed_at) - firstSeen.at;
      t.diagnostic(`claim of attempt ${firstSeen.attempt} → failed: ${span} ms (minimum ${bound} ms)`);
      // 20 ms slack for DATETIME(3) rounding; the bound itself is the theoretical minimum.
      assert.ok(span >= bound - 20, `attempt ${firstSeen.attempt} claim → failure took ${span} ms, expected ≥ ${bound} ms`);

      // Three timeouts are below BREAKER_VOLUME_THRESHOLD: the circuit must stay closed.
      const partner = worker.partners!.get('sandbox')!;
      assert.equal(partner.state(), 'closed');
      assert.equal(partner.stats().fires, 3);
      assert.equal(partner.stats().failures, 3);
      assert.equal(partner.stats().rejects, 0);
      // The final attempt records the failure itself; nothing is left for BullMQ to retry.
      assert.equal(await jobState(apiRt, created.id), 'completed');
    } finally {
      await worker.stop();
    }
  });

  it('a flaky partner (503 twice, then valid) completes on the third attempt with three calls', TEST_TIMEOUT, async () => {
    // A deadline a busy machine cannot turn a slow 503 into a timeout with: the counts below are exact.
    const worker = await ctx.start({ ROLE: 'worker', PARTNER_CALL_TIMEOUT_MS: '5000', SWEEPER_STUCK_AFTER_MS: '10000' });
    try {
      const acct = account('5555');
      const created = await api.create(bankAccount(acct, { name: 'Lakshmi Krishnan' }));
      const row = await finalRow(apiRt, created.id);
      assert.equal(row.status, 'completed');
      const view = await api.view(created.id);
      assert.equal(view.status, 'completed');
      assert.equal(view.failure, null);
      assert.equal(view.result?.account_status, 'valid');
      assert.equal(view.result?.registered_name, SANDBOX_NAMES[5]);
      assert.equal(view.attempts, 3);
      assert.equal(ctx.sim.callsFor(created.id), 3);
      assert.equal(worker.partners!.get('sandbox')!.state(), 'closed');
      assert.equal(await jobState(apiRt, created.id), 'completed');
    } finally {
      await worker.stop();
    }
  });
});

describe('circuit breaker', () => {
  let ctx: TestContext;
  let api: ReturnType<typeof apiClient>;
  let apiRt: Runtime;

  before(async () => {
    // A reset timeout far beyond the test: once open, the circuit stays open.
    ctx = await openContext({ BREAKER_RESET_TIMEOUT_MS: '60000' });
    apiRt = await ctx.start({ ROLE: 'api' });
    api = apiClient(ctx, apiRt, (await ctx.createTenant('Breaker', { mode: 'live' })).apiKey);
  });
  after(() => closeContext(ctx));

  it('repeated timeouts open the breaker; while it is open nothing is sent and validations wait without spending attempts', TEST_TIMEOUT, async () => {
    const worker = await ctx.start({ ROLE: 'worker' });
    try {
      const partner = worker.partners!.get('sandbox')!;
      assert.equal(partner.state(), 'closed');
      const attempts = worker.config.worker.attempts;

      const hanging = await Promise.all(Array.from({ length: 8 }, () => api.create(bankAccount(account('1111')))));
      await eventually(async () => partner.state() === 'open', 'the breaker to open');
      const hangingCalls = hanging.map((v) => ctx.sim.callsFor(v.id));
      const total = hangingCalls.reduce((a, b) => a + b, 0);
      // Without a breaker every one of them would have been sent on every attempt.
      assert.ok(total < hanging.length * attempts, `partner called ${total} times for ${hanging.length} validations`);

      // A perfectly good account, created while the circuit is open, is never sent to the partner:
      // its job is parked (delayed) with no attempt spent, in BullMQ or in MySQL.
      const good = await api.create(bankAccount(account('4562'), { name: 'Priya Nair' }));
      await eventually(async () => ((await jobState(apiRt, good.id)) === 'delayed' ? true : undefined), 'the job to be parked');
      await new Promise((r) => setTimeout(r, 500));
      const goodRow = await readRow(apiRt, good.id);
      assert.equal(goodRow.status, 'queued');
      assert.equal(goodRow.attempts, 0);
      const job = await apiRt.queue.getJob(validationJobId(good.id));
      assert.equal(job?.attemptsMade, 0);
      assert.equal(ctx.sim.callsFor(good.id), 0, 'a call went through an open circuit');
      assert.equal((await api.view(good.id)).status, 'queued');

      // The timed-out ones are not failed by the open circuit either: each is final only if it ran
      // out of attempts on real timeouts, otherwise it waits for the partner with its attempts left.
      for (const v of hanging) {
        const row = await readRow(apiRt, v.id);
        if (row.status === 'failed') assert.equal(row.failure_code, 'partner.timeout');
        else assert.ok(Number(row.attempts) < attempts, `a waiting validation already spent ${String(row.attempts)} attempts`);
      }
      assert.equal(partner.state(), 'open');
    } finally {
      await worker.stop();
    }
  });
});

describe('a worker process killed mid-job', () => {
  let ctx: TestContext;
  let api: ReturnType<typeof apiClient>;
  let apiRt: Runtime;
  // The child's partner call must outlive the kill; its sweeper must not be the one that recovers.
  const slowChild = { PARTNER_CALL_TIMEOUT_MS: '10000', SWEEPER_STUCK_AFTER_MS: '15000' };
  // Its one call must not time out on a busy machine (a second claim would break the counts); its
  // sweeper must still recover a row within a few seconds.
  const recoveringWorker = { ROLE: 'worker', PARTNER_CALL_TIMEOUT_MS: '3000', SWEEPER_STUCK_AFTER_MS: '4000' };

  before(async () => {
    ctx = await openContext();
    apiRt = await ctx.start({ ROLE: 'api' });
    api = apiClient(ctx, apiRt, (await ctx.createTenant('Crashy')).apiKey);
  });
  after(async () => {
    ctx?.sim.setLatency(0);
    await Promise.all(children.map((c) => c.kill('SIGKILL')));
    await closeContext(ctx);
  });

  /** Starts a child worker and waits until it has claimed `id` and its partner call is in flight. */
  async function childMidJob(validation: string | (() => Promise<string>), minCalls: number): Promise<{ child: WorkerProcess; id: string }> {
    const child = startChild(ctx, slowChild);
    await child.ready();
    const vid = typeof validation === 'string' ? validation : await validation();
    await eventually(
      async () => {
        const row = await readRow(apiRt, vid);
        return row.status === 'processing' && row.attempts >= minCalls && ctx.sim.callsFor(vid) >= minCalls;
      },
      `the child to be mid-call (call ${minCalls})`,
      20_000,
    );
    return { child, id: vid };
  }

  /** Final-state checks shared by both variants: one row, completed once, one partner call per claim. */
  async function assertCompletedOnce(id: string, minAttempts: number): Promise<Row> {
    const row = await finalRow(apiRt, id, 30_000);
    assert.equal(await countRows(apiRt, id), 1);
    assert.equal(row.status, 'completed');
    assert.equal(row.account_status, 'valid');
    assert.ok(row.completed_at, 'completed_at not set');
    assert.equal(row.failure_code, null);
    assert.ok(row.attempts >= minAttempts, `attempts ${row.attempts} < ${minAttempts}`);
    assert.equal(ctx.sim.callsFor(id), row.attempts, 'each claim should make exactly one partner call');
    const view = await api.view(id);
    assert.equal(view.status, 'completed');
    assert.equal(view.attempts, row.attempts);
    return row;
  }

  /**
   * Nothing re-processes the row afterwards: let the stalled checker and the sweeper run a few more
   * times, then the row and the partner's count must be exactly as they were.
   */
  async function assertSettled(worker: Runtime, id: string, row: Row): Promise<void> {
    const interval = Math.max(worker.config.worker.stalledIntervalMs, worker.config.sweeper.intervalMs);
    await new Promise((r) => setTimeout(r, 2 * interval + 200));
    const again = await readRow(apiRt, id);
    assert.equal(again.status, 'completed');
    assert.equal(again.attempts, row.attempts);
    assert.equal(ms(again.completed_at), ms(row.completed_at), 'the row was finalised a second time');
    assert.equal(ctx.sim.callsFor(id), row.attempts);
    assert.equal(await jobState(apiRt, id), 'completed');
  }

  it('killed once: the job is redelivered and the row completes exactly once', TEST_TIMEOUT, async (t) => {
    ctx.sim.setLatency(5000);
    const { child, id } = await childMidJob(async () => (await api.create(bankAccount(account('2468'), { name: 'Arjun Reddy' }))).id, 1);
    await child.kill('SIGKILL');
    assert.equal((await child.exited).signal, 'SIGKILL');
    assert.equal((await readRow(apiRt, id)).status, 'processing', 'the killed child must not have finished the row');
    ctx.sim.setLatency(0);

    const sweepsBefore = countMatches(ctx.logs.text(), SWEEPER_REQUEUED);
    const worker = await ctx.start(recoveringWorker);
    try {
      const row = await assertCompletedOnce(id, 2);
      assert.equal(row.attempts, 2, 'one claim by the killed child, one by the recovering worker');
      const bySweeper = countMatches(ctx.logs.text(), SWEEPER_REQUEUED) > sweepsBefore;
      t.diagnostic(`recovered by ${bySweeper ? 'the sweeper' : "BullMQ's stalled-job check"}`);
      await assertSettled(worker, id, row);
    } finally {
      await worker.stop();
    }
  });

  it('killed twice: BullMQ fails the job as stalled, and the sweeper still brings the row to a final state', TEST_TIMEOUT, async () => {
    ctx.sim.setLatency(5000);
    const first = await childMidJob(async () => (await api.create(bankAccount(account('1357')))).id, 1);
    const id = first.id;
    await first.child.kill('SIGKILL');
    // The second child's stalled checker redelivers the job (stalled count 1), and it claims the row again.
    const second = await childMidJob(id, 2);
    await second.child.kill('SIGKILL');
    assert.equal((await readRow(apiRt, id)).status, 'processing');
    ctx.sim.setLatency(0);

    const worker = await ctx.start(recoveringWorker);
    try {
      const row = await assertCompletedOnce(id, 3);
      // Proof of the path: BullMQ gave up on the job (stalled twice), and the sweeper re-enqueued the row.
      const logs = ctx.logs.text();
      assert.match(logs, /job stalled more than allowable limit/);
      assert.match(logs, SWEEPER_REQUEUED);
      await assertSettled(worker, id, row);
    } finally {
      await worker.stop();
    }
  });
});

describe('an emptied Redis loses nothing', () => {
  let ctx: TestContext;
  let api: ReturnType<typeof apiClient>;
  let apiRt: Runtime;

  before(async () => {
    ctx = await openContext();
    apiRt = await ctx.start({ ROLE: 'api' });
    api = apiClient(ctx, apiRt, (await ctx.createTenant('Flushed')).apiKey);
  });
  after(() => closeContext(ctx));

  it('every accepted validation still completes after its job was wiped from Redis', TEST_TIMEOUT, async () => {
    const bodies = [
      bankAccount(account('1238')),
      bankAccount(account('4561'), { name: 'Ramesh Kumar' }),
      bankAccount(account('7779')),
      bankAccount(account('8086'), { rail: 'NEFT' }),
      { type: 'vpa', vpa: 'meera.iyer@okaxis', name: 'Meera Iyer' },
    ];
    const ids: string[] = [];
    for (const body of bodies) ids.push((await api.create(body)).id);
    for (const id of ids) assert.notEqual(await jobState(apiRt, id), 'missing', 'the API did not enqueue');

    const deleted = await ctx.flushRedis();
    assert.ok(deleted > 0);
    for (const id of ids) {
      assert.equal(await jobState(apiRt, id), 'missing', 'flush left a job behind');
      assert.equal((await readRow(apiRt, id)).status, 'queued');
    }

    const worker = await ctx.start({ ROLE: 'worker' });
    try {
      assert.equal(worker.config.sweeper.stuckAfterMs, 1500);
      for (const id of ids) {
        const row = await finalRow(apiRt, id);
        assert.equal(row.status, 'completed', `${id} ended ${row.status}`);
        // Once, and charged once. A call slower than the 300 ms deadline on a busy machine is retried
        // with the same reference (the sandbox replays it, unbilled): one call per claim, whatever the count.
        assert.ok(row.attempts >= 1);
        assert.equal(ctx.sim.callsFor(id), row.attempts);
        assert.equal(ctx.sim.chargesFor(id), 1);
        const view = await api.view(id);
        assert.equal(view.result?.account_status, 'valid');
      }
      assert.match(ctx.logs.text(), SWEEPER_REQUEUED);
    } finally {
      await worker.stop();
    }
  });
});

describe('secrets stay secret', () => {
  it('no full account number appears in any log, child process output or Redis key', async () => {
    assert.ok(usedAccounts.length >= 15, `only ${usedAccounts.length} accounts used`);
    const logs = contexts.map((c) => c.logs.text()).join('\n');
    const childOutput = children.map((c) => c.output()).join('\n');
    const redis = redisDumps.join('\n');
    const responses = apiResponses.join('\n');

    // Non-vacuous: each source was captured and holds what it should.
    assert.ok(logs.includes('partner call failed'), 'in-process logs were not captured');
    assert.ok(children.length >= 3 && childOutput.includes(WORKER_READY_MESSAGE), 'child output was not captured');
    assert.ok(redis.includes('validation-val_'), 'the Redis dump holds no jobs');
    for (const acct of usedAccounts) {
      assert.ok(responses.includes(`"masked_account_number":"XXXXXX${acct.slice(-4)}"`), `no masked form of …${acct.slice(-4)} in API responses`);
    }

    for (const acct of usedAccounts) {
      const tail = `…${acct.slice(-4)}`;
      assert.ok(!logs.includes(acct), `account ${tail} found in the in-process logs`);
      assert.ok(!childOutput.includes(acct), `account ${tail} found in a worker process's output`);
      assert.ok(!redis.includes(acct), `account ${tail} found in Redis`);
      assert.ok(!responses.includes(acct), `account ${tail} found in an API response`);
    }
  });
});
