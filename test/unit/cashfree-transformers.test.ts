import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { classifyCashfreeError, type CashfreeCallPhase } from '../../src/partners/cashfree/cashfree-errors.js';
import {
  bavStatusQuery,
  readBavResponse,
  readUpiResponse,
  toBavAsyncRequest,
  toUpiRequest,
  upiStatusQuery,
  type CashfreeReading,
} from '../../src/partners/cashfree/cashfree-transformers.js';
import {
  CASHFREE_ACCOUNT_STATUS_CODES,
  CASHFREE_ACCOUNT_STATUSES,
  CASHFREE_UPI_STATUSES,
  type CashfreeAccountStatus,
  type CashfreeAccountStatusCode,
  type CashfreeUpiStatus,
} from '../../src/partners/cashfree/cashfree-types.js';
import {
  PartnerAuthError,
  PartnerRateLimitedError,
  PartnerRejectedError,
  PartnerTransientError,
} from '../../src/partners/partner-errors.js';
import type { AccountStatus, AccountStatusReason, PartnerResult } from '../../src/partners/partner-types.js';
import { cleanRegisteredName } from '../../src/partners/partner-answer.js';

type Json = Record<string, unknown>;
const fixture = <T = Json>(name: string): T =>
  JSON.parse(readFileSync(new URL(`../fixtures/cashfree/${name}`, import.meta.url), 'utf8')) as T;
const statusFixture = fixture<{ byCode: Record<string, Json>; byStatus: Record<string, Json> }>('bank-account-status.json');
const upiFixture = fixture<Record<string, Json>>('upi.json');
const errorFixture = fixture<Record<string, { status: number; headers?: Record<string, string>; body: Json }>>('errors.json');

const REF = 'val_01JABCDEFGHJKMNPQRSTVWXYZ1';
const bank = { reference: REF, rail: 'IMPS' as const, expectedName: 'Meera Pillai', type: 'bank_account' as const, accountNumber: '50100123456789', ifsc: 'yesb0000262' };
const vpa = { reference: REF, rail: 'UPI' as const, expectedName: 'Meera Pillai', type: 'vpa' as const, vpa: 'meera.pillai@okexample' };

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return assert.fail('expected a throw');
}

function assertBadResponse(e: unknown, field: string): void {
  assert.ok(e instanceof PartnerTransientError, `expected bad_response at ${field}, got ${String(e)}`);
  assert.equal(e.code, 'partner.bad_response');
  assert.equal(e.ambiguous, true);
  assert.equal(e.message, `Partner response failed schema check at ${field}`);
}

describe('Cashfree request building', () => {
  it('sends the account, the upper-cased IFSC and payval’s reference as user_id, and no name', () => {
    assert.deepEqual(toBavAsyncRequest(bank), { bank_account: '50100123456789', ifsc: 'YESB0000262', user_id: REF });
  });

  it('sends payval’s reference as the UPI verification_id, and no name', () => {
    assert.deepEqual(toUpiRequest(vpa), { verification_id: REF, vpa: 'meera.pillai@okexample' });
  });

  it('refuses references Cashfree could not store, before anything is sent', () => {
    for (const reference of ['val_with-hyphen', `val_${'A'.repeat(37)}`, '']) {
      const e = thrown(() => toBavAsyncRequest({ ...bank, reference }));
      assert.ok(e instanceof PartnerRejectedError, reference);
      assert.equal(e.httpStatus, undefined);
    }
    // verification_id allows hyphens and dots and up to 50 characters; user_id does not.
    assert.equal(toUpiRequest({ ...vpa, reference: 'val_with-hyphen.dot' }).verification_id, 'val_with-hyphen.dot');
    assert.ok(thrown(() => toUpiRequest({ ...vpa, reference: `v${'x'.repeat(50)}` })) instanceof PartnerRejectedError);
  });

  it('looks verifications up by Cashfree’s reference_id when known, else by payval’s id', () => {
    assert.equal(bavStatusQuery(null, REF).toString(), `user_id=${REF}`);
    assert.equal(bavStatusQuery('5120101', REF).toString(), 'reference_id=5120101');
    assert.equal(bavStatusQuery('fav_123', REF).toString(), `user_id=${REF}`);
    assert.equal(upiStatusQuery(null, REF).toString(), `verification_id=${REF}`);
    assert.equal(upiStatusQuery('7340001', REF).toString(), 'reference_id=7340001');
  });
});

type Expectation =
  | { kind: 'answered'; status: AccountStatus; reason: AccountStatusReason | null; name: string | null }
  | { kind: 'pending' }
  | { kind: 'bank_unavailable' }
  | { kind: 'busy' }
  | { kind: 'insufficient_balance' }
  | { kind: 'rejected' };

const answered = (status: AccountStatus, reason: AccountStatusReason | null, name: string | null = null): Expectation => ({ kind: 'answered', status, reason, name });
// Written out independently of the adapter's table: a changed mapping must fail here.
const BY_CODE: Record<CashfreeAccountStatusCode, Expectation> = {
  ACCOUNT_IS_VALID: answered('valid', null, 'MEERA PILLAI'),
  INVALID_ACCOUNT_FAIL: answered('invalid', 'account_not_found'),
  INVALID_IFSC_FAIL: answered('invalid', 'invalid_ifsc'),
  ACCOUNT_BLOCKED: answered('blocked', 'account_blocked'),
  FRAUD_ACCOUNT: answered('blocked', 'fraud_suspected'),
  NRE_ACCOUNT_FAIL: answered('nre', 'nre_account', 'KIRAN DAS'),
  VALIDATION_IN_PROGRESS: { kind: 'pending' },
  FAILED_AT_BANK: { kind: 'bank_unavailable' },
  NPCI_UNAVAILABLE: { kind: 'bank_unavailable' },
  CONNECTION_TIMEOUT: { kind: 'bank_unavailable' },
  SOURCE_BANK_DECLINED: { kind: 'bank_unavailable' },
  BENE_BANK_DECLINED: { kind: 'bank_unavailable' },
  IMPS_MODE_FAIL: { kind: 'bank_unavailable' },
  BENEFICIARY_BANK_OFFLINE: { kind: 'bank_unavailable' },
  VERIFICATION_ALREADY_UNDER_PROCESS: { kind: 'busy' },
  INSUFFICIENT_BALANCE: { kind: 'insufficient_balance' },
  BAV_BLOCKED: { kind: 'rejected' },
};

const BY_STATUS: Record<CashfreeAccountStatus, Expectation['kind']> = {
  VALID: 'answered',
  INVALID: 'answered',
  FAILED: 'bank_unavailable',
  REJECTED: 'rejected',
  RECEIVED: 'pending',
  IN_PROCESS: 'pending',
  PROCESSING: 'pending',
  APPROVAL_PENDING: 'pending',
  PARTIALLY_APPROVED: 'pending',
  CANCELLED: 'rejected',
  MANUALLY_REJECTED: 'rejected',
};

function checkReading(body: Json, expected: Expectation, label: string): void {
  if (expected.kind === 'rejected') {
    const e = thrown(() => readBavResponse(body));
    assert.ok(e instanceof PartnerRejectedError, label);
    assert.equal(e.code, 'partner.rejected');
    return;
  }
  const reading: CashfreeReading = readBavResponse(body);
  const reference = String(body.reference_id);
  switch (expected.kind) {
    case 'answered':
      // The adapter passes the name on as Cashfree sent it; what payval keeps of it is partner-answer.ts's business.
      if (reading.kind === 'answered') reading.result.registeredName = cleanRegisteredName(reading.result.registeredName);
      assert.deepEqual(reading, {
        kind: 'answered',
        result: { accountStatus: expected.status, statusReason: expected.reason, registeredName: expected.name, partnerReference: reference },
      }, label);
      return;
    case 'pending':
      assert.deepEqual(reading, { kind: 'pending', partnerReference: reference }, label);
      return;
    default: {
      assert.equal(reading.kind, 'unverified', label);
      const { error } = reading as Extract<CashfreeReading, { kind: 'unverified' }>;
      if (expected.kind === 'insufficient_balance') {
        assert.ok(error instanceof PartnerAuthError, label);
        assert.equal(error.reason, 'insufficient_balance');
        return;
      }
      assert.ok(error instanceof PartnerTransientError, label);
      assert.equal(error.code, expected.kind === 'busy' ? 'partner.unavailable' : 'partner.bank_unavailable', label);
      assert.equal(error.ambiguous, false, label);
    }
  }
}

describe('Cashfree BAV answers', () => {
  it('maps every documented account_status_code (fixture per code)', () => {
    assert.deepEqual(Object.keys(statusFixture.byCode).sort(), [...CASHFREE_ACCOUNT_STATUS_CODES].sort());
    for (const code of CASHFREE_ACCOUNT_STATUS_CODES) checkReading(statusFixture.byCode[code]!, BY_CODE[code], code);
  });

  it('maps every documented account_status (fixture per status)', () => {
    assert.deepEqual(Object.keys(statusFixture.byStatus).sort(), [...CASHFREE_ACCOUNT_STATUSES].sort());
    for (const status of CASHFREE_ACCOUNT_STATUSES) {
      const body = statusFixture.byStatus[status]!;
      const reading = (() => {
        try {
          return readBavResponse(body).kind;
        } catch (e) {
          return e instanceof PartnerRejectedError ? 'rejected' : String(e);
        }
      })();
      const expected = BY_STATUS[status];
      assert.equal(reading === 'unverified' ? 'bank_unavailable' : reading, expected, status);
    }
  });

  it('reads the documented sync answer, passing the name on as sent (partner-answer.ts cleans it)', () => {
    assert.deepEqual(readBavResponse(fixture('bank-account-sync-valid.json')), {
      kind: 'answered',
      result: { accountStatus: 'valid', statusReason: null, registeredName: 'MEERA  PILLAI ', partnerReference: '5120034' },
    });
  });

  it('reads the async acceptance as pending under Cashfree’s reference_id, and checks it is ours', () => {
    const body = fixture('bank-account-async-received.json');
    assert.deepEqual(readBavResponse(body, { userId: 'val_01JABCDEFGHJKMNPQRSTVWXYZ0' }), { kind: 'pending', partnerReference: '5120035' });
    assertBadResponse(thrown(() => readBavResponse(body, { userId: REF })), 'user_id');
  });

  it('accepts a digit-string reference_id and checks a looked-up reference_id', () => {
    const body = { ...statusFixture.byCode.INVALID_ACCOUNT_FAIL, reference_id: '5120102' };
    assert.equal((readBavResponse(body, { referenceId: '5120102' }) as { kind: string }).kind, 'answered');
    assertBadResponse(thrown(() => readBavResponse(body, { referenceId: '999' })), 'reference_id');
  });
});

describe('Cashfree UPI answers', () => {
  const UPI: Record<CashfreeUpiStatus, Omit<PartnerResult, 'partnerReference'>> = {
    VALID: { accountStatus: 'valid', statusReason: null, registeredName: 'MEERA PILLAI' },
    INVALID: { accountStatus: 'invalid', statusReason: 'invalid_vpa', registeredName: null },
    EXPIRED: { accountStatus: 'invalid', statusReason: 'vpa_expired', registeredName: 'KIRAN DAS' },
    // The VPA resolves but NPCI's name is wrong: usable address, no name to match against.
    NPCI_NAME_INCORRECT: { accountStatus: 'valid', statusReason: null, registeredName: null },
  };

  it('maps every documented UPI status (fixture per status)', () => {
    assert.deepEqual(Object.keys(upiFixture).sort(), [...CASHFREE_UPI_STATUSES].sort());
    for (const status of CASHFREE_UPI_STATUSES) {
      const body = upiFixture[status]!;
      const read = readUpiResponse(body, { verificationId: REF });
      assert.deepEqual({ ...read, registeredName: cleanRegisteredName(read.registeredName) }, { ...UPI[status], partnerReference: String(body.reference_id) }, status);
    }
  });

  it('refuses an answer about another verification', () => {
    assertBadResponse(thrown(() => readUpiResponse(upiFixture.VALID, { verificationId: 'val_someone_else' })), 'verification_id');
    assertBadResponse(thrown(() => readUpiResponse(upiFixture.VALID, { verificationId: REF, referenceId: '1' })), 'reference_id');
  });
});

describe('Cashfree schema checks', () => {
  const valid = statusFixture.byCode.ACCOUNT_IS_VALID!;
  const bavCases: Array<[unknown, string]> = [
    [[valid], 'body'],
    [null, 'body'],
    ['VALID', 'body'],
    [{ ...valid, reference_id: undefined }, 'reference_id'],
    [{ ...valid, reference_id: -1 }, 'reference_id'],
    [{ ...valid, reference_id: 1.5 }, 'reference_id'],
    [{ ...valid, reference_id: '12a' }, 'reference_id'],
    [{ ...valid, reference_id: 2 ** 60 }, 'reference_id'],
    [{ ...valid, account_status: 'MAYBE' }, 'account_status'],
    [{ ...valid, account_status: 'toString' }, 'account_status'],
    [{ ...valid, account_status: 1 }, 'account_status'],
    [{ ...valid, account_status: undefined }, 'account_status'],
    [{ ...valid, account_status_code: 'ACCOUNT_IS_MAYBE' }, 'account_status_code'],
    [{ ...valid, account_status_code: 'INVALID_ACCOUNT_FAIL' }, 'account_status_code'],
    [{ ...valid, account_status: 'INVALID' }, 'account_status_code'],
    [{ ...valid, account_status_code: undefined }, 'account_status_code'],
    [{ ...statusFixture.byCode.FAILED_AT_BANK, account_status_code: null }, 'account_status_code'],
    [{ ...valid, name_at_bank: 42 }, 'name_at_bank'],
    [{ ...valid, name_match_result: 'MAYBE_MATCH' }, 'name_match_result'],
    [{ ...valid, user_id: 7 }, 'user_id'],
  ];

  it('rejects BAV answers with unknown values, wrong types or overlong strings, naming only the field', () => {
    for (const [body, field] of bavCases) {
      const e = thrown(() => readBavResponse(body, { userId: REF }));
      assertBadResponse(e, field);
      assert.ok(!(e as Error).message.includes('MEERA'), 'no partner data in the message');
    }
  });

  it('rejects UPI answers that fail the schema', () => {
    const base = upiFixture.VALID!;
    const upiCases: Array<[unknown, string]> = [
      [[], 'body'],
      [{ ...base, reference_id: 'abc' }, 'reference_id'],
      [{ ...base, status: 'PENDING' }, 'status'],
      [{ ...base, status: 'hasOwnProperty' }, 'status'],
      [{ ...base, name_at_bank: ['MEERA'] }, 'name_at_bank'],
    ];
    for (const [body, field] of upiCases) assertBadResponse(thrown(() => readUpiResponse(body, { verificationId: REF })), field);
  });
});

describe('Cashfree error classification', () => {
  type Expected =
    | { kind: 'not_found' | 'already_exists' }
    | { kind: 'rejected'; httpStatus: number }
    | { kind: 'auth'; httpStatus: number; reason: 'credentials' | 'forbidden' | 'insufficient_balance' }
    | { kind: 'transient'; code: string; ambiguous: boolean }
    | { kind: 'rate_limited'; retryAfterMs: number };

  const TABLE: Array<[string, CashfreeCallPhase, Expected]> = [
    ['bad_request', 'create', { kind: 'rejected', httpStatus: 400 }],
    ['duplicate_verification_id', 'create', { kind: 'already_exists' }],
    ['duplicate_verification_id', 'lookup', { kind: 'rejected', httpStatus: 400 }],
    ['client_id_missing', 'create', { kind: 'auth', httpStatus: 400, reason: 'credentials' }],
    ['bad_credentials', 'create', { kind: 'auth', httpStatus: 401, reason: 'credentials' }],
    ['bad_credentials', 'lookup', { kind: 'auth', httpStatus: 401, reason: 'credentials' }],
    ['ip_not_allowed', 'create', { kind: 'auth', httpStatus: 403, reason: 'forbidden' }],
    ['reference_id_not_found', 'lookup', { kind: 'not_found' }],
    ['reference_id_not_found', 'create', { kind: 'rejected', httpStatus: 404 }],
    ['already_exists', 'create', { kind: 'already_exists' }],
    ['already_exists', 'lookup', { kind: 'rejected', httpStatus: 409 }],
    ['insufficient_balance_412', 'create', { kind: 'auth', httpStatus: 412, reason: 'insufficient_balance' }],
    ['insufficient_balance_422', 'create', { kind: 'auth', httpStatus: 422, reason: 'insufficient_balance' }],
    ['bank_offline_422', 'create', { kind: 'transient', code: 'partner.bank_unavailable', ambiguous: false }],
    ['source_bank_declined_424', 'create', { kind: 'transient', code: 'partner.bank_unavailable', ambiguous: false }],
    ['already_under_process_422', 'create', { kind: 'transient', code: 'partner.unavailable', ambiguous: false }],
    ['rate_limited', 'create', { kind: 'rate_limited', retryAfterMs: 7000 }],
    ['rate_limited', 'lookup', { kind: 'rate_limited', retryAfterMs: 7000 }],
    ['internal_error', 'create', { kind: 'transient', code: 'partner.unavailable', ambiguous: true }],
    ['bad_gateway', 'lookup', { kind: 'transient', code: 'partner.unavailable', ambiguous: true }],
    ['unavailable', 'create', { kind: 'transient', code: 'partner.unavailable', ambiguous: false }],
  ];

  function check(status: number, headers: Record<string, string>, body: unknown, phase: CashfreeCallPhase, expected: Expected, label: string): void {
    const d = classifyCashfreeError(status, headers, body, phase);
    if (expected.kind === 'not_found' || expected.kind === 'already_exists') {
      assert.deepEqual(d, { kind: expected.kind }, label);
      return;
    }
    assert.equal(d.kind, 'error', label);
    const e = (d as { error: Error }).error;
    const message = (body as { message?: string } | null)?.message;
    if (message) assert.ok(!e.message.includes(message), `${label}: partner text in the error`);
    switch (expected.kind) {
      case 'rejected':
        assert.ok(e instanceof PartnerRejectedError, label);
        assert.equal(e.httpStatus, expected.httpStatus, label);
        return;
      case 'auth':
        assert.ok(e instanceof PartnerAuthError, label);
        assert.equal(e.httpStatus, expected.httpStatus, label);
        assert.equal(e.reason, expected.reason, label);
        return;
      case 'transient':
        assert.ok(e instanceof PartnerTransientError, label);
        assert.equal(e.code, expected.code, label);
        assert.equal(e.ambiguous, expected.ambiguous, label);
        return;
      case 'rate_limited':
        assert.ok(e instanceof PartnerRateLimitedError, label);
        assert.equal(e.retryAfterMs, expected.retryAfterMs, label);
    }
  }

  it('classifies every recorded error answer', () => {
    for (const [name, phase, expected] of TABLE) {
      const f = errorFixture[name];
      assert.ok(f, `fixture ${name}`);
      check(f.status, f.headers ?? {}, f.body, phase, expected, `${name} (${phase})`);
    }
  });

  it('handles bodies without Cashfree’s shape and codes in other cases', () => {
    check(429, {}, undefined, 'create', { kind: 'rate_limited', retryAfterMs: 1000 }, '429 without Retry-After');
    check(424, {}, undefined, 'create', { kind: 'transient', code: 'partner.bank_unavailable', ambiguous: false }, 'bare 424');
    check(422, {}, { code: 'something_new' }, 'create', { kind: 'rejected', httpStatus: 422 }, 'unknown 422');
    check(400, {}, { code: 'DUPLICATE_VERIFICATION_ID' }, 'create', { kind: 'already_exists' }, 'upper-case code');
    check(400, {}, { code: 'BENFICIARY_BANK_OFFLINE' }, 'create', { kind: 'transient', code: 'partner.bank_unavailable', ambiguous: false }, 'misspelt bank code');
    check(400, {}, 'not an object', 'create', { kind: 'rejected', httpStatus: 400 }, 'string body');
    check(400, {}, { code: 'x'.repeat(200) + 'already_exists' }, 'create', { kind: 'rejected', httpStatus: 400 }, 'overlong code ignored');
    check(408, {}, {}, 'lookup', { kind: 'transient', code: 'partner.timeout', ambiguous: true }, '408');
  });
});
