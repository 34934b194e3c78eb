import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideSandboxOutcome, nameFromVpaLocalPart, SANDBOX_NAMES } from '../../src/partners/sandbox/sandbox-rules.js';

const account = (accountNumber: string) => ({ type: 'bank_account' as const, accountNumber });
const vpa = (v: string) => ({ type: 'vpa' as const, vpa: v });

describe('decideSandboxOutcome — bank accounts', () => {
  it('maps each magic suffix to its outcome', () => {
    assert.deepEqual(decideSandboxOutcome(account('12345670000'), 1), { kind: 'result', status: 'INVALID', nameAtBank: null });
    assert.deepEqual(decideSandboxOutcome(account('12345672222'), 1), { kind: 'result', status: 'BLOCKED', nameAtBank: null });
    assert.deepEqual(decideSandboxOutcome(account('12345673333'), 1), { kind: 'result', status: 'NRE', nameAtBank: 'MOHAMMED IRFAN' });
    assert.deepEqual(decideSandboxOutcome(account('12345674444'), 1), { kind: 'result', status: 'CLOSED', nameAtBank: null });
    assert.deepEqual(decideSandboxOutcome(account('12345671111'), 1), { kind: 'hang' });
  });

  it('keeps hanging on every call for 1111', () => {
    assert.deepEqual(decideSandboxOutcome(account('98761111'), 7), { kind: 'hang' });
  });

  it('fails 5555 with 503 on calls 1 and 2, then answers VALID', () => {
    assert.deepEqual(decideSandboxOutcome(account('12345675555'), 1), { kind: 'error', httpStatus: 503 });
    assert.deepEqual(decideSandboxOutcome(account('12345675555'), 2), { kind: 'error', httpStatus: 503 });
    assert.deepEqual(decideSandboxOutcome(account('12345675555'), 3), { kind: 'result', status: 'VALID', nameAtBank: 'LAKSHMI KRISHNAN' });
    assert.deepEqual(decideSandboxOutcome(account('12345675555'), 10), { kind: 'result', status: 'VALID', nameAtBank: 'LAKSHMI KRISHNAN' });
  });

  it('only looks at the last four digits for magic values', () => {
    assert.deepEqual(decideSandboxOutcome(account('000012345678'), 1), { kind: 'result', status: 'VALID', nameAtBank: 'ARJUN REDDY' });
    assert.deepEqual(decideSandboxOutcome(account('1234500001'), 1), { kind: 'result', status: 'VALID', nameAtBank: 'RAMESH KUMAR' });
  });

  it('answers VALID with the name for the last digit for every other account', () => {
    for (let d = 0; d <= 9; d++) {
      const outcome = decideSandboxOutcome(account(`50100123456${d}`), 1);
      assert.deepEqual(outcome, { kind: 'result', status: 'VALID', nameAtBank: SANDBOX_NAMES[d] });
    }
  });

  it('is deterministic for the same input and call number', () => {
    assert.deepEqual(decideSandboxOutcome(account('50100123456789'), 1), decideSandboxOutcome(account('50100123456789'), 1));
  });
});

describe('SANDBOX_NAMES', () => {
  it('is the fixed ten-name table indexed by last digit', () => {
    assert.deepEqual(SANDBOX_NAMES, [
      'ANITA SHARMA',
      'RAMESH KUMAR',
      'PRIYA NAIR',
      'MOHAMMED IRFAN',
      'GURPREET SINGH',
      'LAKSHMI KRISHNAN',
      'JOHN DSOUZA',
      'SUNITA DEVI',
      'ARJUN REDDY',
      'FATIMA SHAIKH',
    ]);
    assert.ok(Object.isFrozen(SANDBOX_NAMES));
  });
});

describe('decideSandboxOutcome — VPAs', () => {
  it('maps the magic local parts, case-insensitively', () => {
    assert.deepEqual(decideSandboxOutcome(vpa('invalid@okaxis'), 1), { kind: 'result', status: 'INVALID', nameAtBank: null });
    assert.deepEqual(decideSandboxOutcome(vpa('BLOCKED@ybl'), 1), { kind: 'result', status: 'BLOCKED', nameAtBank: null });
    assert.deepEqual(decideSandboxOutcome(vpa('timeout@paytm'), 1), { kind: 'hang' });
  });

  it('fails flaky with 503 on calls 1 and 2, then answers VALID', () => {
    assert.deepEqual(decideSandboxOutcome(vpa('flaky@okhdfc'), 1), { kind: 'error', httpStatus: 503 });
    assert.deepEqual(decideSandboxOutcome(vpa('flaky@okhdfc'), 2), { kind: 'error', httpStatus: 503 });
    assert.deepEqual(decideSandboxOutcome(vpa('flaky@okhdfc'), 3), { kind: 'result', status: 'VALID', nameAtBank: 'FLAKY' });
  });

  it('derives the name from the local part', () => {
    assert.deepEqual(decideSandboxOutcome(vpa('ramesh.kumar@okaxis'), 1), { kind: 'result', status: 'VALID', nameAtBank: 'RAMESH KUMAR' });
    assert.equal(nameFromVpaLocalPart('priya_nair-99'), 'PRIYA NAIR');
    assert.equal(nameFromVpaLocalPart('a..b__c'), 'A B C');
    assert.equal(nameFromVpaLocalPart('john2dsouza'), 'JOHNDSOUZA');
  });

  it('falls back to SANDBOX UPI USER when nothing is left', () => {
    assert.deepEqual(decideSandboxOutcome(vpa('9876543210@upi'), 1), { kind: 'result', status: 'VALID', nameAtBank: 'SANDBOX UPI USER' });
    assert.deepEqual(decideSandboxOutcome(vpa('12.34-5_6@upi'), 1), { kind: 'result', status: 'VALID', nameAtBank: 'SANDBOX UPI USER' });
  });

  it('does not treat a magic word inside a longer local part as magic', () => {
    assert.deepEqual(decideSandboxOutcome(vpa('invalid.user@okaxis'), 1), { kind: 'result', status: 'VALID', nameAtBank: 'INVALID USER' });
  });
});
