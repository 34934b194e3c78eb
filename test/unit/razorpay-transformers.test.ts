import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  PartnerAuthError,
  PartnerRateLimitedError,
  PartnerRejectedError,
  PartnerTransientError,
} from '../../src/partners/partner-errors.js';
import type { PartnerOutcome, PartnerRequest } from '../../src/partners/partner-types.js';
import {
  buildCompositeRequest,
  classifyErrorAnswer,
  classifyFailedValidation,
  idempotencyKeyFor,
  parseValidationEntity,
  razorpayName,
  RAZORPAY_PENDING_RETRY_AFTER_MS,
  RAZORPAY_PLACEHOLDER_NAME,
  toPartnerOutcome,
} from '../../src/partners/razorpay/razorpay-transformers.js';
import type { RazorpayStatusReason, RazorpayValidationEntity } from '../../src/partners/razorpay/razorpay-types.js';

const REF = 'val_01JBX7Q2M4N6P8R0S2T4V6W8Y0';
const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../fixtures/razorpay/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;

const bank: PartnerRequest = { reference: REF, rail: 'IMPS', expectedName: 'Fatima Shaikh', type: 'bank_account', accountNumber: '50100123456789', ifsc: 'HDFC0001234' };
const vpa: PartnerRequest = { reference: REF, rail: 'UPI', expectedName: null, type: 'vpa', vpa: 'ramesh.kumar@okaxis' };
const opts = { sourceAccountNumber: '7878780080316316', validationType: 'optimized' as const };

/** Parses and maps a fixture (optionally patched) as the connector does. */
const outcome = (name: string, req: PartnerRequest = bank, patch: Record<string, unknown> = {}): PartnerOutcome =>
  toPartnerOutcome(parseValidationEntity({ ...fixture(name), ...patch }, { reference: req.reference }), req);
const answered = (o: PartnerOutcome) => {
  assert.equal(o.kind, 'answered');
  return (o as Extract<PartnerOutcome, { kind: 'answered' }>).result;
};
const throws = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return assert.fail('expected a throw');
};
const badAt = (e: unknown, field: string) => {
  assert.ok(e instanceof PartnerTransientError, String(e));
  assert.equal(e.code, 'partner.bad_response');
  assert.equal(e.ambiguous, true);
  assert.equal(e.message, `Partner response failed schema check at ${field}`);
};

describe('buildCompositeRequest', () => {
  it('builds the bank-account body with the payval reference and the configured validation type', () => {
    assert.deepEqual(buildCompositeRequest(bank, opts), {
      source_account_number: '7878780080316316',
      validation_type: 'optimized',
      reference_id: REF,
      fund_account: {
        account_type: 'bank_account',
        bank_account: { name: 'Fatima Shaikh', ifsc: 'HDFC0001234', account_number: '50100123456789' },
        contact: { name: 'Fatima Shaikh' },
      },
    });
    assert.equal(buildCompositeRequest(bank, { ...opts, validationType: 'penniless' }).validation_type, 'penniless');
  });

  it('builds the VPA body without validation_type and with a neutral contact name when none is expected', () => {
    assert.deepEqual(buildCompositeRequest(vpa, opts), {
      source_account_number: '7878780080316316',
      reference_id: REF,
      fund_account: { account_type: 'vpa', vpa: { address: 'ramesh.kumar@okaxis' }, contact: { name: RAZORPAY_PLACEHOLDER_NAME } },
    });
  });

  it('refuses a reference longer than reference_id allows, without sending anything', () => {
    assert.ok(throws(() => buildCompositeRequest({ ...bank, reference: 'v'.repeat(41) }, opts)) instanceof PartnerRejectedError);
  });
});

describe('razorpayName', () => {
  it('keeps names Razorpay accepts and cleans the rest', () => {
    assert.equal(razorpayName('Gaurav Kumar', 50), 'Gaurav Kumar');
    assert.equal(razorpayName("John D'Souza", 50), 'John D’Souza');
    assert.equal(razorpayName('José Núñez & Co!', 50), 'Jose Nunez Co');
    assert.equal(razorpayName('  A.  ', 50), RAZORPAY_PLACEHOLDER_NAME);
    assert.equal(razorpayName('अनीता शर्मा', 50), RAZORPAY_PLACEHOLDER_NAME);
    assert.equal(razorpayName('x'.repeat(60), 50), 'x'.repeat(50));
    // Razorpay: a name cannot end with a special character other than '.'.
    assert.equal(razorpayName('Ltd (India) -', 50), 'Ltd (India');
  });
});

describe('idempotencyKeyFor', () => {
  it('uses the payval reference first and numbered generations after failures', () => {
    assert.equal(idempotencyKeyFor(REF, 0), REF);
    assert.equal(idempotencyKeyFor(REF, 2), `${REF}-2`);
  });

  it('derives a stable valid key when the reference does not fit the key alphabet or length', () => {
    const key = idempotencyKeyFor('val:with:colons', 0);
    assert.match(key, /^[A-Za-z0-9_ -]{4,36}$/);
    assert.equal(idempotencyKeyFor('val:with:colons', 0), key);
    assert.notEqual(idempotencyKeyFor('val:with:colons', 1), key);
    assert.match(idempotencyKeyFor('v'.repeat(36), 1), /^[A-Za-z0-9_ -]{4,36}$/);
  });
});

describe('mapping every documented status and account_status', () => {
  it('completed + active or valid → valid with the registered name and the fav id', () => {
    assert.deepEqual(answered(outcome('fav-bank-account-completed-active')), {
      accountStatus: 'valid',
      statusReason: null,
      registeredName: 'FATIMA SHAIKH',
      partnerReference: 'fav_Pk3Zq9Xw2Lm4Na',
    });
    // Passed on as sent; partner-answer.ts cleans and bounds it for every partner alike.
    assert.equal(answered(outcome('fav-bank-account-completed-valid')).registeredName, ' FATIMA  SHAIKH ');
    assert.equal(answered(outcome('fav-vpa-completed-active', vpa)).accountStatus, 'valid');
  });

  it('completed + invalid (or the documented null) → invalid, account_not_found or invalid_vpa', () => {
    assert.deepEqual(answered(outcome('fav-bank-account-completed-invalid')), {
      accountStatus: 'invalid',
      statusReason: 'account_not_found',
      registeredName: null,
      partnerReference: 'fav_Pk3Zq9Xw2Lm4Na',
    });
    assert.equal(answered(outcome('fav-bank-account-completed-null-status')).statusReason, 'account_not_found');
    assert.equal(answered(outcome('fav-vpa-completed-invalid', vpa)).statusReason, 'invalid_vpa');
  });

  it('completed + inactive → dormant', () => {
    const r = answered(outcome('fav-bank-account-completed-inactive'));
    assert.deepEqual([r.accountStatus, r.statusReason], ['dormant', 'account_dormant']);
  });

  it('created → pending with the fav id', () => {
    assert.deepEqual(outcome('fav-bank-account-created'), { kind: 'pending', partnerReference: 'fav_Pk3Zq9Xw2Lm4Na', retryAfterMs: RAZORPAY_PENDING_RETRY_AFTER_MS });
    assert.equal((outcome('fav-vpa-created', vpa) as { partnerReference: string }).partnerReference, 'fav_Pk3Zq9Xw2Lm4Nv');
  });

  it('failed + gateway_technical_error → bank unavailable, not ambiguous (Razorpay reverses the charge)', () => {
    const e = throws(() => outcome('fav-bank-account-failed-gateway-technical-error'));
    assert.ok(e instanceof PartnerTransientError);
    assert.equal(e.code, 'partner.bank_unavailable');
    assert.equal(e.ambiguous, false);
  });

  it('failed + imps_not_allowed → rejected', () => {
    assert.ok(throws(() => outcome('fav-bank-account-failed-imps-not-allowed')) instanceof PartnerRejectedError);
  });
});

describe('classifyFailedValidation', () => {
  const entity = (reason: string | null, source: string | null = 'beneficiary_bank'): RazorpayValidationEntity => ({
    id: 'fav_x1',
    status: 'failed',
    accountStatus: null,
    registeredName: null,
    source,
    reason,
  });
  const kind = (v: unknown): string =>
    v instanceof PartnerTransientError
      ? v.code
      : v instanceof PartnerAuthError
        ? `auth:${v.reason}`
        : v instanceof PartnerRejectedError
          ? 'rejected'
          : JSON.stringify(v);

  it('maps every known reason', () => {
    const expected: Record<RazorpayStatusReason, string> = {
      validation_request_created: 'partner.bank_unavailable',
      validation_completed: 'partner.bank_unavailable',
      gateway_technical_error: 'partner.bank_unavailable',
      gateway_down: 'partner.bank_unavailable',
      gateway_timeout: 'partner.bank_unavailable',
      beneficiary_bank_failure: 'partner.bank_unavailable',
      beneficiary_bank_offline: 'partner.bank_unavailable',
      beneficiary_bank_technical_error: 'partner.bank_unavailable',
      beneficiary_psp_offline: 'partner.bank_unavailable',
      npci_beneficiary_timeout: 'partner.bank_unavailable',
      server_error: 'partner.unavailable',
      server_error_temporary: 'partner.unavailable',
      amount_limit_exhausted_neft: 'partner.unavailable',
      insufficient_funds: 'auth:insufficient_balance',
      imps_not_allowed: 'rejected',
      beneficiary_bank_rejected: 'rejected',
      transaction_limit_exceeded: 'rejected',
      bank_account_closed: '{"status":"closed","reason":"account_closed"}',
      bank_account_frozen: '{"status":"frozen","reason":"account_frozen"}',
      beneficiary_account_dormant: '{"status":"dormant","reason":"account_dormant"}',
      bank_account_invalid: '{"status":"invalid","reason":"account_not_found"}',
      beneficiary_account_invalid: '{"status":"invalid","reason":"account_not_found"}',
      invalid_beneficiary: '{"status":"invalid","reason":"account_not_found"}',
      beneficiary_vpa_invalid: '{"status":"invalid","reason":"invalid_vpa"}',
      invalid_ifsc_code: '{"status":"invalid","reason":"invalid_ifsc"}',
    };
    for (const [reason, want] of Object.entries(expected)) assert.equal(kind(classifyFailedValidation(entity(reason), bank)), want, reason);
    assert.equal(kind(classifyFailedValidation(entity('bank_account_invalid'), vpa)), '{"status":"invalid","reason":"invalid_vpa"}');
  });

  it('falls back on the source for unknown reasons, and to bank unavailable when that is unknown too', () => {
    assert.equal(kind(classifyFailedValidation(entity('brand_new_reason', 'gateway'), bank)), 'partner.bank_unavailable');
    assert.equal(kind(classifyFailedValidation(entity('brand_new_reason', 'internal'), bank)), 'partner.unavailable');
    assert.equal(kind(classifyFailedValidation(entity('brand_new_reason', 'business'), bank)), 'rejected');
    assert.equal(kind(classifyFailedValidation(entity(null, null), bank)), 'partner.bank_unavailable');
    assert.equal(kind(classifyFailedValidation(entity('toString', 'constructor'), bank)), 'partner.bank_unavailable');
    const e = classifyFailedValidation(entity('gateway_down'), bank) as PartnerTransientError;
    assert.equal(e.ambiguous, false);
  });
});

describe('parseValidationEntity schema failures', () => {
  const good = fixture('fav-bank-account-completed-active');
  const results = good.validation_results as Record<string, unknown>;
  const check = (patch: Record<string, unknown>, field: string, expectId?: string) =>
    badAt(throws(() => parseValidationEntity({ ...good, ...patch }, { reference: REF, ...(expectId ? { id: expectId } : {}) })), field);

  it('refuses unknown statuses, wrong types, overlong strings and answers for someone else', () => {
    check({ status: 'processing' }, 'status');
    check({ status: 'toString' }, 'status');
    check({ status: 7 }, 'status');
    check({ id: 'pout_123' }, 'id');
    check({ id: `fav_${'a'.repeat(60)}` }, 'id');
    check({}, 'id', 'fav_somethingElse');
    check({ entity: 'payout' }, 'entity');
    check({ reference_id: 'val_someone_else' }, 'reference_id');
    check({ validation_results: null }, 'validation_results');
    check({ validation_results: 'active' }, 'validation_results');
    check({ validation_results: { ...results, account_status: 'maybe' } }, 'validation_results.account_status');
    check({ validation_results: { ...results, account_status: 1 } }, 'validation_results.account_status');
    check({ validation_results: { registered_name: 'X' } }, 'validation_results.account_status');
    check({ validation_results: { ...results, registered_name: 42 } }, 'validation_results.registered_name');
    check({ status_details: [] }, 'status_details');
    check({ status_details: { source: 'gateway', reason: 'r'.repeat(100) } }, 'status_details.reason');
    badAt(throws(() => parseValidationEntity([good], { reference: REF })), 'body');
    badAt(throws(() => parseValidationEntity(undefined, { reference: REF })), 'body');
  });

  it('accepts what the docs allow: no reference_id, a null status_details, nulls while created', () => {
    const { reference_id: _omit, ...noRef } = good;
    assert.equal(parseValidationEntity(noRef, { reference: REF }).accountStatus, 'active');
    assert.equal(parseValidationEntity({ ...good, status_details: null }, { reference: REF }).source, null);
    assert.equal(parseValidationEntity({ ...fixture('fav-bank-account-created'), validation_results: null }, { reference: REF }).status, 'created');
  });
});

describe('classifyErrorAnswer', () => {
  const none = {};
  it('400 BAD_REQUEST_ERROR → rejected, with its exceptions', () => {
    const input = classifyErrorAnswer(400, none, fixture('error-input-validation'));
    assert.ok(input instanceof PartnerRejectedError);
    assert.equal(input.httpStatus, 400);
    assert.ok(classifyErrorAnswer(400, none, fixture('error-idempotency-missing')) instanceof PartnerRejectedError);
    assert.ok(classifyErrorAnswer(400, none, undefined) instanceof PartnerRejectedError);
    assert.ok(classifyErrorAnswer(404, none, { error: 'nope' }) instanceof PartnerRejectedError);

    const conflict = classifyErrorAnswer(400, none, fixture('error-idempotency-conflict'));
    assert.ok(conflict instanceof PartnerTransientError);
    assert.equal(conflict.code, 'partner.bad_response');
    assert.equal(conflict.ambiguous, true, 'our earlier call reached Razorpay');
    const conflictByField = classifyErrorAnswer(400, none, { error: { code: 'BAD_REQUEST_ERROR', description: 'Key already used', field: 'X-Payout-Idempotency' } });
    assert.ok(conflictByField instanceof PartnerTransientError && conflictByField.ambiguous);

    const balance = classifyErrorAnswer(400, none, fixture('error-insufficient-funds'));
    assert.ok(balance instanceof PartnerAuthError);
    assert.equal(balance.reason, 'insufficient_balance');
    const ip = classifyErrorAnswer(400, none, fixture('error-ip-not-allowed'));
    assert.ok(ip instanceof PartnerAuthError);
    assert.equal(ip.reason, 'forbidden');
    const server = classifyErrorAnswer(400, none, fixture('error-server-error'));
    assert.ok(server instanceof PartnerTransientError && server.code === 'partner.unavailable' && server.ambiguous);
  });

  it('401/403 → auth, 429 → rate limited honouring Retry-After', () => {
    const auth = classifyErrorAnswer(401, none, fixture('error-authentication-failed'));
    assert.ok(auth instanceof PartnerAuthError);
    assert.equal(auth.reason, 'credentials');
    assert.equal((classifyErrorAnswer(403, none, undefined) as PartnerAuthError).reason, 'forbidden');
    const limited = classifyErrorAnswer(429, { 'retry-after': '7' }, undefined);
    assert.ok(limited instanceof PartnerRateLimitedError);
    assert.equal(limited.retryAfterMs, 7000);
    assert.equal((classifyErrorAnswer(429, none, undefined) as PartnerRateLimitedError).retryAfterMs, 1000);
  });

  it('5xx → unavailable; 503 is the only one known not to have been processed', () => {
    for (const status of [500, 502, 504]) {
      const e = classifyErrorAnswer(status, none, fixture('error-server-error'));
      assert.ok(e instanceof PartnerTransientError, String(status));
      assert.equal(e.code, 'partner.unavailable');
      assert.equal(e.ambiguous, true);
    }
    const e503 = classifyErrorAnswer(503, none, undefined) as PartnerTransientError;
    assert.equal(e503.code, 'partner.unavailable');
    assert.equal(e503.ambiguous, false);
    const e408 = classifyErrorAnswer(408, none, undefined) as PartnerTransientError;
    assert.equal(e408.code, 'partner.timeout');
    assert.equal((classifyErrorAnswer(409, none, undefined) as PartnerTransientError).ambiguous, true);
  });

  it('never copies anything the partner sent into the error', () => {
    const secret = '50100987654321';
    for (const status of [400, 401, 429, 500]) {
      const e = classifyErrorAnswer(status, none, { error: { code: 'BAD_REQUEST_ERROR', description: `bad ${secret}`, field: secret, reason: secret } }) as Error;
      assert.ok(!e.message.includes(secret), `${status}: ${e.message}`);
    }
  });
});
