import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createAttemptGates, createRowLimiter } from '../../src/platform/row-limiter.js';
import { createSliceProcessor } from '../../src/validations/process-slice.js';
import { RetryableValidationError, type ProcessOutcome, type ValidationProcessor } from '../../src/validations/process-validation.js';
import type { RowHandoff } from '../../src/platform/queues.js';
import { createLogger } from '../../src/platform/logger.js';
import { Writable } from 'node:stream';
import { payvalBackoff } from '../../workers/validation-worker.js';

const silent = createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() }));
const RETRY = { baseMs: 1000, maxMs: 8000, jitter: 0 };

function fakeHandOff(failAdds = false) {
  const added: RowHandoff[] = [];
  const handOff = async (rows: readonly RowHandoff[]) => {
    if (failAdds) throw new Error('Redis unavailable');
    added.push(...rows);
  };
  return { handOff, added };
}

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('row limiter', () => {
  it('runs at most `capacity` tasks at once, the rest in arrival order', async () => {
    const limiter = createRowLimiter(2);
    const gates = [deferred(), deferred(), deferred(), deferred()];
    const started: number[] = [];
    const runs = gates.map((g, i) => limiter.run(async () => {
      started.push(i);
      await g.promise;
      return i;
    }));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, [0, 1]);
    assert.deepEqual(limiter.stats(), { running: 2, waiting: 2 });
    gates[1]!.resolve();
    await runs[1];
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, [0, 1, 2]);
    gates[0]!.resolve();
    gates[2]!.resolve();
    gates[3]!.resolve();
    assert.deepEqual(await Promise.all(runs), [0, 1, 2, 3]);
    assert.deepEqual(limiter.stats(), { running: 0, waiting: 0 });
  });

  it('gives the place back when a task throws', async () => {
    const limiter = createRowLimiter(1);
    await assert.rejects(limiter.run(async () => { throw new Error('boom'); }), /boom/);
    assert.equal(await limiter.run(async () => 'next'), 'next');
    assert.deepEqual(limiter.stats(), { running: 0, waiting: 0 });
  });

  it('refuses a capacity below one', () => {
    assert.throws(() => createRowLimiter(0), /positive integer/);
  });
});

describe('slice processor', () => {
  /** A processor whose outcome per id is scripted; records the attempts it was given. */
  function scripted(outcomes: Record<string, ProcessOutcome | Error>) {
    const calls: Array<{ id: string; finalAttempt: boolean }> = [];
    const processor: Pick<ValidationProcessor, 'process'> = {
      process: async (id, ctx) => {
        calls.push({ id, finalAttempt: ctx.finalAttempt });
        const o = outcomes[id] ?? { kind: 'completed' };
        if (o instanceof Error) throw o;
        return o;
      },
    };
    return { processor, calls };
  }

  it('finishes rows in place and hands only parked or failed rows to their own jobs, at the slice’s round', async () => {
    const { processor, calls } = scripted({
      b: { kind: 'wait', delayMs: 2500, reason: 'no_partner' },
      c: new RetryableValidationError('partner.unavailable', 'partner call failed'),
      d: Object.assign(new RetryableValidationError('partner.rate_limited', 'slow down'), { retryAfterMs: 5000 }),
      e: new Error('MySQL gone'),
    });
    const { handOff, added } = fakeHandOff();
    const process = createSliceProcessor({ processor, handOff, closing: () => false, gates: createAttemptGates(2, 2), attempts: 5, retry: RETRY, logger: silent });
    const out = await process(['a', 'b', 'c', 'd', 'e', 'f'], 7);
    assert.deepEqual(out, { rows: 6, handedOff: 4 });
    assert.deepEqual(calls.map((c) => c.id).sort(), ['a', 'b', 'c', 'd', 'e', 'f']);
    assert.ok(calls.every((c) => !c.finalAttempt), 'a slice is a row’s first attempt, not its last');
    const byId = new Map(added.map((h) => [h.validationId, h]));
    assert.deepEqual([...byId.keys()].sort(), ['b', 'c', 'd', 'e']);
    // Parked: its own delay, no attempt spent. Failed: backoff (or the partner's later hint), one attempt spent.
    assert.deepEqual(byId.get('b'), { validationId: 'b', priority: 7, delayMs: 2500 });
    assert.deepEqual(byId.get('c'), { validationId: 'c', priority: 7, delayMs: 1000, attempts: 4, attemptsBefore: 1 });
    assert.deepEqual(byId.get('d'), { validationId: 'd', priority: 7, delayMs: 5000, attempts: 4, attemptsBefore: 1 });
    assert.deepEqual(byId.get('e'), { validationId: 'e', priority: 7, delayMs: 1000, attempts: 4, attemptsBefore: 1 });
  });

  it('with one attempt allowed, the slice’s attempt is the last', async () => {
    const { processor, calls } = scripted({});
    const { handOff } = fakeHandOff();
    await createSliceProcessor({ processor, handOff, closing: () => false, gates: createAttemptGates(4, 4), attempts: 1, retry: RETRY, logger: silent })(['a'], 1);
    assert.deepEqual(calls, [{ id: 'a', finalAttempt: true }]);
  });

  it('fails the slice job when the handoff cannot be enqueued, so BullMQ retries it', async () => {
    const { processor } = scripted({ a: { kind: 'wait', delayMs: 100, reason: 'single_flight' } });
    const { handOff } = fakeHandOff(true);
    await assert.rejects(createSliceProcessor({ processor, handOff, closing: () => false, gates: createAttemptGates(4, 4), attempts: 5, retry: RETRY, logger: silent })(['a', 'b'], 3), /Redis unavailable/);
  });

  it('hands back the rows it has not started once the worker is closing, and finishes the started ones', async () => {
    let closing = false;
    const gate = deferred();
    const started: string[] = [];
    const processor: Pick<ValidationProcessor, 'process'> = {
      process: async (id) => {
        started.push(id);
        await gate.promise;
        return { kind: 'completed' };
      },
    };
    const { handOff, added } = fakeHandOff();
    const run = createSliceProcessor({ processor, handOff, closing: () => closing, gates: createAttemptGates(2, 2), attempts: 5, retry: RETRY, logger: silent })(['a', 'b', 'c', 'd', 'e'], 4);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, ['a', 'b']);
    closing = true;
    gate.resolve();
    assert.deepEqual(await run, { rows: 5, handedOff: 3 });
    assert.deepEqual(started, ['a', 'b']);
    assert.deepEqual(added, ['c', 'd', 'e'].map((validationId) => ({ validationId, delayMs: 0, priority: 4 })));
  });

  it('keeps its rows within the process’s row limit, shared with other slices', async () => {
    let inFlight = 0;
    let peak = 0;
    const processor: Pick<ValidationProcessor, 'process'> = {
      process: async () => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 2));
        inFlight--;
        return { kind: 'completed' };
      },
    };
    const gates = createAttemptGates(3, 3);
    const { handOff } = fakeHandOff();
    const process = createSliceProcessor({ processor, handOff, closing: () => false, gates, attempts: 5, retry: RETRY, logger: silent });
    const ids = (p: string) => Array.from({ length: 20 }, (_, i) => `${p}${i}`);
    await Promise.all([process(ids('x'), 1), process(ids('y'), 2)]);
    assert.equal(peak, 3);
  });
});

describe('row limiter, urgent work', () => {
  it('starts an urgent waiter (a single validation) before batch rows that waited longer', async () => {
    const limiter = createRowLimiter(1);
    const gate = deferred();
    const order: string[] = [];
    const first = limiter.run(() => gate.promise);
    const rows = ['r1', 'r2'].map((r) => limiter.run(async () => void order.push(r)));
    const single = limiter.run(async () => void order.push('single'), true);
    gate.resolve();
    await Promise.all([first, ...rows, single]);
    assert.deepEqual(order, ['single', 'r1', 'r2']);
    assert.deepEqual(limiter.stats(), { running: 0, waiting: 0 });
  });
});

describe('attempt gates: claims ahead of the partner-call places', () => {
  const turn = () => new Promise((r) => setImmediate(r));

  it('lets `claimsAhead` attempts claim while the call places are full, and hands a claim place on when its attempt reaches a call place', async () => {
    const gates = createAttemptGates(2, 3);
    const places = await Promise.all([gates.enter(), gates.enter(), gates.enter()]);
    // Three claimed at once; a fourth waits for a claim place.
    let fourthIn = false;
    const fourth = gates.enter().then((p) => ((fourthIn = true), p));
    await turn();
    assert.equal(fourthIn, false);
    assert.deepEqual(gates.stats(), { calling: 0, claiming: 3, waiting: 1 });
    // Two reach the partner: their claim places go to the fourth attempt.
    await places[0]!.toCall();
    await places[1]!.toCall();
    const p4 = await fourth;
    assert.deepEqual(gates.stats(), { calling: 2, claiming: 2, waiting: 0 });
    // The third waits for a call place, still holding its claim place.
    let thirdCalling = false;
    const third = places[2]!.toCall().then(() => (thirdCalling = true));
    await turn();
    assert.equal(thirdCalling, false);
    places[0]!.leave();
    await third;
    assert.deepEqual(gates.stats(), { calling: 2, claiming: 1, waiting: 0 });
    // Leaving twice, or after the call, gives nothing back twice.
    places[0]!.leave();
    places[1]!.leave();
    places[2]!.leave();
    p4.leave();
    p4.leave();
    assert.deepEqual(gates.stats(), { calling: 0, claiming: 0, waiting: 0 });
  });

  it('puts a single validation first at both gates', async () => {
    const gates = createAttemptGates(1, 1);
    const first = await gates.enter();
    const order: string[] = [];
    const row = gates.enter().then(async (p) => {
      order.push('row claims');
      await p.toCall();
      order.push('row calls');
      p.leave();
    });
    const single = gates.enter(true).then(async (p) => {
      order.push('single claims');
      await p.toCall();
      order.push('single calls');
      p.leave();
    });
    await first.toCall();
    await turn();
    first.leave();
    await Promise.all([row, single]);
    assert.deepEqual(order, ['single claims', 'single calls', 'row claims', 'row calls']);
  });
});

describe('backoff of a handed-off row', () => {
  it('goes on from the attempt its slice made instead of starting over', () => {
    const backoff = payvalBackoff({ baseMs: 1000, maxMs: 60_000, jitter: 0 });
    // A row's own job: its first retry waits the first step.
    assert.equal(backoff(1, 'payval', undefined, { data: { validationId: 'a' } }), 1000);
    // Handed off after one failed attempt in its slice: its job's first retry is the row's second.
    assert.equal(backoff(1, 'payval', undefined, { data: { validationId: 'a', attemptsBefore: 1 } }), 2000);
    assert.equal(backoff(2, 'payval', undefined, { data: { validationId: 'a', attemptsBefore: 1 } }), 4000);
    // A partner's later hint still wins.
    assert.equal(backoff(1, 'payval', Object.assign(new Error('x'), { retryAfterMs: 9000 }), { data: { attemptsBefore: 1 } }), 9000);
  });
});

describe('slice processor, early handoffs', () => {
  it('hands a parked row off while the slice’s slowest row is still running', async () => {
    const slow = deferred();
    const processor: Pick<ValidationProcessor, 'process'> = {
      process: async (id) => {
        if (id === 'slow') {
          await slow.promise;
          return { kind: 'completed' };
        }
        return { kind: 'wait', delayMs: 250, reason: 'single_flight' };
      },
    };
    const { handOff, added } = fakeHandOff();
    const run = createSliceProcessor({ processor, handOff, closing: () => false, gates: createAttemptGates(4, 4), attempts: 5, retry: RETRY, logger: silent })(['slow', 'p1', 'p2'], 2);
    for (let i = 0; i < 5 && added.length < 2; i++) await new Promise((r) => setImmediate(r));
    assert.deepEqual(added.map((h) => h.validationId).sort(), ['p1', 'p2'], 'the parked rows waited for the slowest row');
    slow.resolve();
    assert.deepEqual(await run, { rows: 3, handedOff: 2 });
    assert.equal(added.length, 2);
  });
});
