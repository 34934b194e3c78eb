import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, scrubDigits, scrubUrlPath } from '../../src/platform/logger.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { logger: createLogger('debug', stream), text: () => lines.join('') };
}

describe('logger', () => {
  it('scrubDigits masks runs of 9+ digits except the last four, and leaves shorter numbers alone', () => {
    assert.equal(scrubDigits('acct 50100012345678 failed'), 'acct XXXXXXXXXX5678 failed');
    assert.equal(scrubDigits('port 3306, 12345678 rows'), 'port 3306, 12345678 rows');
  });

  it('redacts account-number fields, API keys and auth headers, and masks digits in messages and errors', () => {
    const { logger, text } = capture();
    logger.info({ account_number: '501000123456781', nested: { accountNumber: '501000123456782' } }, 'payee 501000123456783');
    logger.error({ err: new Error('partner said 501000123456784 is invalid') }, 'failed');
    logger.info({ req: { headers: { authorization: 'Bearer pv_test_secret' } }, apiKey: 'pv_live_secret' }, 'auth');
    const out = text();
    for (const n of ['501000123456781', '501000123456782', '501000123456783', '501000123456784']) assert.ok(!out.includes(n), n);
    assert.ok(!out.includes('pv_test_secret') && !out.includes('pv_live_secret'));
    assert.ok(out.includes('[redacted]'));
    assert.ok(out.includes('XXXXXXXXXXX6783'));
  });

  it('scrubUrlPath hides the token of a console invitation link', () => {
    assert.equal(scrubUrlPath('/console/invitations/Zm9vYmFyLXNlY3JldC10b2tlbi0xMjM0NQ'), '/console/invitations/[token]');
    assert.equal(scrubUrlPath('/CONSOLE/Invitations/abc%2Fdef'), '/CONSOLE/Invitations/[token]');
    assert.equal(scrubUrlPath('/console/invitations'), '/console/invitations');
  });

  it('scrubUrlPath drops the query string and fragment and masks account-number-like runs, spaced, dashed or encoded', () => {
    assert.equal(scrubUrlPath('/v1/validations?api_key=pv_test_x&account=501000123456789'), '/v1/validations');
    assert.equal(scrubUrlPath('/v1/validations/501000123456789#frag'), '/v1/validations/XXXXXXXXXXX6789');
    assert.equal(scrubUrlPath('/v1/x/5010%200012-3456-7890'), '/v1/x/XXXXXXXXXXXX7890');
    assert.equal(scrubUrlPath('/v1/x/%35%30%31%30%30%30%31%32%33%34%35'), '/v1/x/XXXXXXX2345');
    assert.equal(scrubUrlPath('/v1/batches/bat_01M7Y6AN9RAJADGHVYFV8CWEZZ/items'), '/v1/batches/bat_01M7Y6AN9RAJADGHVYFV8CWEZZ/items');
    assert.equal(scrubUrlPath('/v1/x/%E0%A4%A/123456789012'), '/v1/x/%E0%A4%A/XXXXXXXX9012');
  });
});
