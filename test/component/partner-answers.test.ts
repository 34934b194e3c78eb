// Hostile partner answers, end to end: the partner simulator answers with overlong, invisible, bidi
// or account-echoing names and unusable references (its answerName / answerReference faults), and
// each case reads what payval made of it — the row in MySQL, the API's view, the calls and charges
// the simulator counted, the logs and what BullMQ kept in Redis.

import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bankAccount } from '../helpers/test-stack.js';
import { account, createValidation, finalValidation, openStack, type Stack } from '../helpers/validation-client.js';
import { openPersonalFields } from '../../src/validations/personal-fields.js';

const TEST_TIMEOUT = { timeout: 90_000 };
// A partner call that is slow on a busy machine must not turn into a timeout and a second call:
// these tests count calls.
const SLOW_MACHINE_ENV = { PARTNER_CALL_TIMEOUT_MS: '5000', SWEEPER_STUCK_AFTER_MS: '10000' };
const codePoints = (s: string): number => [...s].length;
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}]/u;

/** The stored row, its holder name opened (it is stored only sealed). */
async function row(s: Stack, id: string) {
  const r = await s.rt.db('validations').where({ id }).first();
  return { ...r, registered_name: openPersonalFields(s.rt.cipher, r).registeredName };
}

/** Sets `partner`'s hostile-answer faults, validates a fresh account through it and waits for the outcome. */
async function validateWith(s: Stack, partner: string, faults: Record<string, string>, extra: Record<string, unknown> = {}) {
  s.ctx.sim.provider(partner).setFaults(faults);
  const acc = account();
  const id = await createValidation(s, bankAccount(acc, { name: 'Ramesh Kumar', ...extra }));
  return { acc, id, v: await finalValidation(s, id) };
}

/** No SQL statement, and none of `secrets`, in the logs or in anything BullMQ keeps in Redis. */
async function assertNothingLeaked(s: Stack, secrets: string[]): Promise<void> {
  const logs = s.ctx.logs.text();
  const redis = await s.ctx.dumpRedis();
  for (const secret of secrets) {
    assert.ok(!logs.includes(secret), `a log line carries ${secret.slice(0, 12)}…`);
    assert.ok(!redis.includes(secret), `Redis carries ${secret.slice(0, 12)}…`);
  }
  assert.doesNotMatch(logs, /update `validations`|insert into `validations`/i, 'SQL reached the logs');
  assert.doesNotMatch(redis, /update `validations`|insert into `validations`/i, 'SQL reached a job record');
}

describe('sandbox answers are cleaned and bounded before they are stored or returned', () => {
  let s: Stack;
  before(async () => {
    s = await openStack(SLOW_MACHINE_ENV);
  });
  afterEach(() => s.ctx.sim.reset());
  after(() => s.ctx.close());

  it('a name longer than its column (256 and 300 characters) is cut to 255 and completes on the first call', TEST_TIMEOUT, async () => {
    for (const length of [256, 300]) {
      const { id, v } = await validateWith(s, 'sandbox', { answerName: 'A'.repeat(length) });
      assert.equal(v.status, 'completed', `${length}: ${JSON.stringify(v.failure)}`);
      assert.equal(v.result.registered_name, 'A'.repeat(255));
      assert.equal((await row(s, id)).registered_name, 'A'.repeat(255));
      assert.equal(v.attempts, 1);
      assert.equal(s.ctx.sim.callsFor(id), 1, `${length}: one partner call`);
      assert.equal(s.ctx.sim.chargesFor(id), 1);
    }
  });

  it('control, bidi and zero-width characters are removed, and the name still matches', TEST_TIMEOUT, async () => {
    const { id, v } = await validateWith(s, 'sandbox', { answerName: '\u202ERA\u200BMESH\u2066\u0007\tKU\uFEFFMAR\u200F\u0000 ' });
    assert.equal(v.status, 'completed');
    assert.equal(v.result.registered_name, 'RAMESH KUMAR');
    assert.equal(v.result.name_match.result, 'match');
    assert.equal((await row(s, id)).registered_name, 'RAMESH KUMAR');
    assert.equal(s.ctx.sim.callsFor(id), 1);
  });

  it('an echoed account number is masked to its last four digits in the row, the API and the logs', TEST_TIMEOUT, async () => {
    const { acc, id, v } = await validateWith(s, 'sandbox', { answerName: 'RAMESH KUMAR A/C {account}' });
    assert.equal(v.status, 'completed');
    assert.equal(v.result.registered_name, `RAMESH KUMAR A/C XXXXXX${acc.slice(-4)}`);
    assert.equal((await row(s, id)).registered_name, `RAMESH KUMAR A/C XXXXXX${acc.slice(-4)}`);
    const list = await s.ctx.http(s.rt).get('/v1/validations').set({ Authorization: `Bearer ${s.key}` });
    assert.ok(!JSON.stringify(list.body).includes(acc), 'the list view carries the account number');
    await assertNothingLeaked(s, [acc]);
  });

  it('a reference too long for its column is one definitive partner.bad_response: one call, no retry', TEST_TIMEOUT, async () => {
    // 200 characters passed the sandbox adapter's old 256 limit and failed the 128-character column.
    const { acc, id, v } = await validateWith(s, 'sandbox', { answerReference: `sbx_${'r'.repeat(196)}` });
    assert.equal(v.status, 'failed');
    assert.equal(v.failure.code, 'partner.bad_response');
    assert.equal(v.attempts, 1);
    assert.equal(s.ctx.sim.callsFor(id), 1, 'no further partner calls');
    assert.equal(s.ctx.sim.chargesFor(id), 1);
    const stored = await row(s, id);
    assert.equal(stored.partner_reference, null, 'a reference is refused, never cut');
    assert.equal(stored.registered_name, null);
    await assertNothingLeaked(s, [acc, 'rrrrrrrrrrrrrrrr']);
  });

  it('an empty or unprintable reference is refused the same way', TEST_TIMEOUT, async () => {
    for (const reference of ['', '   ', 'sbx_\u202E12']) {
      const { id, v } = await validateWith(s, 'sandbox', { answerReference: reference });
      assert.equal(v.status, 'failed', JSON.stringify(reference));
      assert.equal(v.failure.code, 'partner.bad_response');
      assert.equal(s.ctx.sim.callsFor(id), 1, JSON.stringify(reference));
    }
  });
});

describe('Cashfree and Razorpay answers go through the same cleaning', () => {
  let s: Stack;
  before(async () => {
    // IMPS goes to Cashfree, NEFT to Razorpay; test keys would reach only the sandbox.
    s = await openStack({ ...SLOW_MACHINE_ENV, PARTNERS: 'cashfree,razorpay', PARTNER_ROUTE_IMPS: 'cashfree', PARTNER_ROUTE_NEFT: 'razorpay' }, { mode: 'live' });
  });
  afterEach(() => s.ctx.sim.reset());
  after(() => s.ctx.close());

  for (const [partner, rail] of [['cashfree', 'IMPS'], ['razorpay', 'NEFT']] as const) {
    it(`${partner}: an overlong, hostile name echoing the account number is cleaned, masked and cut`, TEST_TIMEOUT, async () => {
      const { acc, id, v } = await validateWith(s, partner, { answerName: `\u202E{account}\u200B PRIYA\u0007 NAIR ${'X'.repeat(300)}` }, { rail, name: 'Priya Nair' });
      assert.equal(v.status, 'completed', JSON.stringify(v.failure));
      assert.equal(v.result.partner, partner);
      const name: string = v.result.registered_name;
      assert.ok(name.startsWith(`XXXXXX${acc.slice(-4)} PRIYA NAIR X`), name.slice(0, 40));
      assert.equal(codePoints(name), 255);
      assert.doesNotMatch(name, INVISIBLE);
      assert.equal((await row(s, id)).registered_name, name);
      assert.equal(s.ctx.sim.provider(partner).callsFor(id), 1);
      assert.equal(s.ctx.sim.chargesFor(id), 1);
      await assertNothingLeaked(s, [acc]);
    });
  }
});

describe('MySQL refusing a partner answer while finalising', () => {
  let s: Stack;
  before(async () => {
    s = await openStack(SLOW_MACHINE_ENV);
    // A column narrower than partner-answer.ts assumes (a migration gone wrong): the insert itself fails.
    await s.rt.db.raw('ALTER TABLE validations MODIFY registered_name_ciphertext VARCHAR(20) CHARACTER SET ascii COLLATE ascii_bin NULL');
  });
  after(() => s.ctx.close());

  it('fails the validation once with partner.bad_response, logs it once without SQL, and makes no further calls', TEST_TIMEOUT, async () => {
    const { acc, id, v } = await validateWith(s, 'sandbox', { answerName: 'RAMESH KUMAR SINGH CHAUHAN' });
    assert.equal(v.status, 'failed');
    assert.equal(v.failure.code, 'partner.bad_response');
    assert.equal(v.attempts, 1);
    assert.equal(s.ctx.sim.callsFor(id), 1);
    assert.equal(s.ctx.sim.chargesFor(id), 1);
    const refusals = s.ctx.logs.lines.filter((l) => l.includes('partner answer could not be stored'));
    assert.equal(refusals.length, 1, 'logged once');
    assert.match(refusals[0]!, /ER_DATA_TOO_LONG/);
    assert.match(refusals[0]!, /registered_name/);
    await assertNothingLeaked(s, [acc, 'CHAUHAN']);
  });
});
