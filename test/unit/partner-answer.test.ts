import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  checkPartnerReference,
  cleanPartnerOutcome,
  cleanPartnerResult,
  cleanRegisteredName,
  maskDigitRuns,
  PARTNER_REFERENCE_MAX_CHARS,
  REGISTERED_NAME_MAX_CHARS,
} from '../../src/partners/partner-answer.js';
import { PartnerAnswerError } from '../../src/partners/partner-errors.js';
import type { PartnerRequest, PartnerResult } from '../../src/partners/partner-types.js';

const ACCOUNT = '50100012345671';
const bankRequest: PartnerRequest = { reference: 'val_1', rail: 'IMPS', expectedName: null, type: 'bank_account', accountNumber: ACCOUNT, ifsc: 'HDFC0000001' };
const vpaRequest: PartnerRequest = { reference: 'val_2', rail: 'UPI', expectedName: null, type: 'vpa', vpa: 'ramesh@okaxis' };
const answer = (patch: Partial<PartnerResult> = {}): PartnerResult => ({
  accountStatus: 'valid',
  statusReason: null,
  registeredName: 'RAMESH KUMAR',
  partnerReference: 'sbx_0123456789abcdef',
  ...patch,
});
const codePoints = (s: string): number => [...s].length;
const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return assert.fail('expected a throw');
};

describe('registered names', () => {
  it('removes bidi controls, zero-width and other format characters without splitting words', () => {
    const hostile = [
      '\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\u200E', '\u200F', '\u061C',
      '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u00AD', '\u{E0041}',
    ];
    for (const c of hostile) {
      const escaped = `U+${c.codePointAt(0)!.toString(16)}`;
      assert.equal(cleanRegisteredName(`RAM${c}ESH KU${c}MAR${c}`), 'RAMESH KUMAR', escaped);
    }
    assert.equal(cleanRegisteredName('\u202EHSEMAR\u202C KUMAR'), 'HSEMAR KUMAR');
  });

  it('turns control whitespace into single spaces and drops other control characters', () => {
    assert.equal(cleanRegisteredName('\tRAMESH\r\nKUMAR\u000b\u000c\u0085 \u2028SINGH\u00a0 '), 'RAMESH KUMAR SINGH');
    assert.equal(cleanRegisteredName('RAM\u0000ESH\u0007 \u001bKUMAR\u007f\u009b'), 'RAMESH KUMAR');
    assert.equal(cleanRegisteredName('PRIYA\uE000 NAIR\ud800'), 'PRIYA NAIR', 'private use and lone surrogates go too');
  });

  it('normalises to NFC', () => {
    assert.equal(cleanRegisteredName('RAME\u0301SH'), 'RAM\u00c9SH');
    assert.equal(cleanRegisteredName('\u0915\u093c\u093e\u0932\u0940'), '\u0915\u093c\u093e\u0932\u0940'.normalize('NFC'));
  });

  it('is null when nothing readable is left', () => {
    for (const raw of ['', '   ', '\u200B\u202E', '\t\n', '\u0000']) assert.equal(cleanRegisteredName(raw), null, JSON.stringify(raw));
    assert.equal(cleanRegisteredName(null), null);
  });

  it('cuts long names to the column, counting code points and keeping graphemes whole', () => {
    assert.equal(cleanRegisteredName('A'.repeat(300)), 'A'.repeat(REGISTERED_NAME_MAX_CHARS));
    assert.equal(cleanRegisteredName('A'.repeat(256)), 'A'.repeat(255), 'the adapters used to let 256 through to a 255 column');
    const emoji = cleanRegisteredName('\u{1F600}'.repeat(300))!;
    assert.equal(codePoints(emoji), 255);
    const accented = cleanRegisteredName('e\u0301'.repeat(300).normalize('NFD'))!;
    assert.ok(codePoints(accented) <= 255);
    // 'é' composes under NFC, so the cut falls between whole letters.
    assert.equal(accented, '\u00e9'.repeat(255));
    const flags = cleanRegisteredName('\u{1F1EE}\u{1F1F3}'.repeat(200))!;
    assert.ok(codePoints(flags) <= 255 && codePoints(flags) % 2 === 0, 'a flag is never cut in half');
    assert.equal(cleanRegisteredName(`${'A'.repeat(254)} B`), 'A'.repeat(254), 'no trailing space after the cut');
  });

  it('masks an echoed account number, however it is split, keeping at most the last four digits', () => {
    assert.equal(cleanRegisteredName(`RAMESH KUMAR ${ACCOUNT}`, ACCOUNT), 'RAMESH KUMAR XXXXXX5671');
    assert.equal(cleanRegisteredName('RAMESH 5010 0012-3456/71', ACCOUNT), 'RAMESH XXXXXX5671');
    assert.equal(cleanRegisteredName('RAMESH A/C:50100012345671KUMAR', ACCOUNT), 'RAMESH A/C:XXXXXX5671KUMAR');
    assert.equal(cleanRegisteredName('RAMESH 5010\u200B0012345671', ACCOUNT), 'RAMESH XXXXXX5671', 'a zero-width split is no hiding place');
    // Devanagari and fullwidth digits are digits too.
    assert.equal(cleanRegisteredName('RAMESH \u096b\u0966\u0967\u0966\u0966\u0966\u0967\u0968\u0969\u096a\u096b\u096c\u096d\u0967', ACCOUNT), 'RAMESH XXXXXX5671');
    assert.equal(cleanRegisteredName('RAMESH \uff15\uff10\uff11\uff10\uff10\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff11', ACCOUNT), 'RAMESH XXXXXX5671');
    // A piece of it (5+ digits) is masked; other short numbers in a name are left alone.
    assert.equal(cleanRegisteredName('RAMESH ENDING 345671', ACCOUNT), 'RAMESH ENDING XXXXXX5671');
    assert.equal(cleanRegisteredName('SHOP NO 12 SECTOR 2024', ACCOUNT), 'SHOP NO 12 SECTOR 2024');
    // Any 9+ digit run is masked, whoever it belongs to (a phone number, someone else's account).
    assert.equal(cleanRegisteredName('PRIYA NAIR 9876543210'), 'PRIYA NAIR XXXXXX3210');
    // Masked before the cut: a cut cannot leave most of the number behind.
    const long = cleanRegisteredName(`${'A'.repeat(245)} ${ACCOUNT}`, ACCOUNT)!;
    assert.ok(!/\d{5}/.test(long), long.slice(-20));
  });

  it('leaves ordinary names as they are', () => {
    for (const name of ['RAMESH KUMAR', "D'SOUZA JOHN", 'M/S SHREE GANESH TRADERS PVT. LTD.', 'ÖZGÜR ŞAHİN', 'प्रिया नायर', 'MOHAMMED IRFAN-UL-HAQ']) {
      assert.equal(cleanRegisteredName(name, ACCOUNT), name.normalize('NFC'));
    }
  });

  it('property: whatever a partner sends, what is kept fits the column, is clean, normalised, masked and stable', () => {
    const hostileChar = fc.constantFrom('\u202E', '\u2066', '\u200B', '\u200D', '\uFEFF', '\u061C', '\u0000', '\u0007', '\t', '\n', '\u0085', '\u00A0', '\u2028', ' ', '\ud800', '\u0301');
    const separator = fc.constantFrom('', ' ', '-', '.', '/', '\u200B', ' - ');
    const accountNumber = fc.stringMatching(/^[1-9][0-9]{8,17}$/);
    const echoed = fc.tuple(accountNumber, fc.array(separator, { minLength: 18, maxLength: 18 })).map(([acc, seps]) => ({
      acc,
      text: [...acc].map((d, i) => d + (seps[i] ?? '')).join(''),
    }));
    const piece = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 40 }), hostileChar, fc.constant('A'.repeat(120)));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), echoed, fc.nat(12), (pieces, { acc, text }, at) => {
        const raw = [...pieces.slice(0, at), ` ${text} `, ...pieces.slice(at)].join('');
        const name = cleanRegisteredName(raw, acc);
        if (name === null) return;
        assert.ok(codePoints(name) >= 1 && codePoints(name) <= REGISTERED_NAME_MAX_CHARS);
        assert.ok(!/[\p{Cc}\p{Cf}\p{Cs}\p{Co}]/u.test(name), JSON.stringify(name));
        assert.ok(!/\s/u.test(name.replaceAll(' ', '')), 'the only whitespace is a plain space');
        assert.ok(!name.startsWith(' ') && !name.endsWith(' ') && !name.includes('  '));
        assert.equal(name, name.normalize('NFC'));
        assert.ok(!name.replace(/\D/g, '').includes(acc), 'the account number is not there, in any spacing');
        assert.equal(maskDigitRuns(name, acc), name, 'nothing left to mask');
        assert.equal(cleanRegisteredName(name, acc), name, 'cleaning is idempotent');
      }),
      { numRuns: 400 },
    );
  });
});

describe('partner references', () => {
  it('keeps a usable reference exactly, trimmed of surrounding whitespace', () => {
    assert.deepEqual(checkPartnerReference('sbx_0123456789abcdef'), { ok: 'sbx_0123456789abcdef' });
    assert.deepEqual(checkPartnerReference('  fav_Pk3Zq9Xw2Lm4Na\n'), { ok: 'fav_Pk3Zq9Xw2Lm4Na' });
    assert.deepEqual(checkPartnerReference('x'.repeat(PARTNER_REFERENCE_MAX_CHARS)), { ok: 'x'.repeat(128) });
    assert.deepEqual(checkPartnerReference('5120034', ACCOUNT), { ok: '5120034' });
  });

  it('refuses, never truncates or rewrites, what cannot be a lookup key', () => {
    assert.deepEqual(checkPartnerReference(''), { problem: 'empty' });
    assert.deepEqual(checkPartnerReference(' \t '), { problem: 'empty' });
    assert.deepEqual(checkPartnerReference('x'.repeat(129)), { problem: 'too_long' });
    assert.deepEqual(checkPartnerReference('sbx_1\u200B'), { problem: 'characters' });
    assert.deepEqual(checkPartnerReference('sbx 1'), { problem: 'characters' });
    assert.deepEqual(checkPartnerReference('sbx_\u202E1'), { problem: 'characters' });
    assert.deepEqual(checkPartnerReference(`ref-${ACCOUNT}`, ACCOUNT), { problem: 'account_number' });
  });

  it('property: a kept reference is the trimmed input, printable ASCII, within the column', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: 'binary-ascii', maxLength: 200 })), (raw) => {
        const checked = checkPartnerReference(raw);
        if ('ok' in checked) {
          assert.equal(checked.ok, raw.trim());
          assert.ok(checked.ok.length >= 1 && checked.ok.length <= PARTNER_REFERENCE_MAX_CHARS);
          assert.match(checked.ok, /^[\x21-\x7e]+$/);
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('whole answers', () => {
  it('cleans the name and keeps status, reason and reference', () => {
    const cleaned = cleanPartnerResult(answer({ registeredName: `\u202ERAMESH\u200B KUMAR ${ACCOUNT}` }), bankRequest);
    assert.deepEqual(cleaned, answer({ registeredName: 'RAMESH KUMAR XXXXXX5671' }));
    assert.deepEqual(cleanPartnerResult(answer({ accountStatus: 'invalid', statusReason: 'invalid_vpa', registeredName: null }), vpaRequest), answer({ accountStatus: 'invalid', statusReason: 'invalid_vpa', registeredName: null }));
  });

  it('throws one definitive partner.bad_response naming the field, never the value', () => {
    const cases: Array<[Partial<PartnerResult>, string]> = [
      [{ partnerReference: '' }, 'partner_reference'],
      [{ partnerReference: 'r'.repeat(300) }, 'partner_reference'],
      [{ partnerReference: `sbx_${ACCOUNT}` }, 'partner_reference'],
      [{ accountStatus: 'maybe' as PartnerResult['accountStatus'] }, 'account_status'],
      [{ statusReason: 'toString' as PartnerResult['statusReason'] }, 'status_reason'],
    ];
    for (const [patch, field] of cases) {
      const e = thrown(() => cleanPartnerResult(answer(patch), bankRequest));
      assert.ok(e instanceof PartnerAnswerError, field);
      assert.equal(e.code, 'partner.bad_response');
      assert.equal(e.field, field);
      assert.ok(!e.message.includes(ACCOUNT) && !e.message.includes('rrrr'), e.message);
    }
  });

  it('checks a pending answer’s reference the same way and bounds its hint', () => {
    assert.deepEqual(cleanPartnerOutcome({ kind: 'pending', partnerReference: ' 5120035 ', retryAfterMs: Number.NaN }, bankRequest), {
      kind: 'pending',
      partnerReference: '5120035',
      retryAfterMs: null,
    });
    assert.deepEqual(cleanPartnerOutcome({ kind: 'pending', partnerReference: null, retryAfterMs: -5 }, bankRequest), { kind: 'pending', partnerReference: null, retryAfterMs: 0 });
    assert.ok(thrown(() => cleanPartnerOutcome({ kind: 'pending', partnerReference: 'x'.repeat(129), retryAfterMs: null }, bankRequest)) instanceof PartnerAnswerError);
  });
});
