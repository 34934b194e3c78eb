// What a partner answers is untrusted text that payval stores, returns, matches names against and
// sends in webhooks. Every guarded partner's outcome passes through cleanPartnerOutcome (see
// partner-breaker.ts), so this is the one place that decides what a partner may put in a row:
//   - names lose control, bidi and zero-width/format characters, are NFC-normalised with their
//     whitespace collapsed, have any long digit run masked (an echoed account number), and are cut to
//     the column;
//   - references are lookup keys: they are checked, never rewritten; one that cannot be stored as it
//     is makes the answer unusable (PartnerAnswerError, one definitive `partner.bad_response`).
// Pure: no I/O.

import { PartnerAnswerError } from './partner-errors.js';
import type { AccountStatus, AccountStatusReason, PartnerOutcome, PartnerRequest, PartnerResult } from './partner-types.js';

/** Column sizes in migrations/: validations.registered_name VARCHAR(255), partner_reference VARCHAR(128). */
export const REGISTERED_NAME_MAX_CHARS = 255;
export const PARTNER_REFERENCE_MAX_CHARS = 128;

// Records over the unions: a status added to partner-types.ts fails to compile until listed here.
const ACCOUNT_STATUSES: Record<AccountStatus, true> = { valid: true, invalid: true, blocked: true, closed: true, nre: true, frozen: true, dormant: true };
const STATUS_REASONS: Record<AccountStatusReason, true> = {
  account_not_found: true,
  invalid_ifsc: true,
  invalid_vpa: true,
  vpa_expired: true,
  account_blocked: true,
  fraud_suspected: true,
  account_closed: true,
  nre_account: true,
  account_frozen: true,
  account_dormant: true,
};

// Cf covers the bidi controls (U+202A–202E, U+2066–2069, U+200E/F, U+061C), the zero-width
// characters (U+200B–200D, U+2060, U+FEFF), the soft hyphen and the tag characters. They go first,
// so a zero-width character inside a word does not become a space.
const FORMAT = /\p{Cf}/gu;
// U+0085 (NEL) is a control character that JavaScript's \s does not treat as whitespace.
const WHITESPACE = /[\s\u0085]+/gu;
// What is left of the controls, private-use characters, and lone surrogates (which would otherwise
// reach MySQL as U+FFFD or fail the insert).
const INVISIBLE = /[\p{Cc}\p{Co}\p{Cs}]/gu;
// Runs of 5+ digits, in any script, that may be split by short runs of separators ("5010 0012-3456 71").
const DIGIT_RUN = /\p{Nd}(?:[^\p{L}\p{Nd}]{0,3}\p{Nd}){4,}/gu;
const DIGIT = /\p{Nd}/u;
/** Account numbers are 9–18 digits: a run this long is masked whatever it is (a phone number too). */
const ALWAYS_MASKED_DIGITS = 9;
// A reference is a key payval sends back to the partner: visible ASCII only, so what is stored is
// byte for byte what the partner gave.
const REFERENCE = /^[\x21-\x7e]+$/;

/** Removes invisible and format characters, normalises to NFC and collapses whitespace. */
export function cleanText(raw: string): string {
  return raw.replace(FORMAT, '').replace(WHITESPACE, ' ').replace(INVISIBLE, '').normalize('NFC').replace(/ {2,}/g, ' ').trim();
}

/**
 * Masks every run of 9+ digits, and every run of 5+ that is part of `accountNumber`, the way payval
 * masks account numbers: a fixed `XXXXXX` and at most the last four digits.
 */
export function maskDigitRuns(text: string, accountNumber: string | null = null): string {
  return text.replace(DIGIT_RUN, (run) => {
    const digits = [...run].filter((c) => DIGIT.test(c)).map(digitValue).join('');
    const echoed = accountNumber !== null && accountNumber.includes(digits);
    return digits.length >= ALWAYS_MASKED_DIGITS || echoed ? `XXXXXX${digits.slice(-4)}` : run;
  });
}

// Unicode lays every script's decimal digits out as contiguous blocks of ten starting at zero, so a
// digit's value is its distance from the start of its block (Devanagari ७ is 7, fullwidth ７ is 7).
function digitValue(c: string): string {
  let cp = c.codePointAt(0)!;
  const start = cp;
  while (cp > 0 && DIGIT.test(String.fromCodePoint(cp - 1))) cp -= 1;
  return String((start - cp) % 10);
}

/** The longest prefix of whole graphemes that has at most `maxChars` code points (what a VARCHAR counts). */
export function truncateToChars(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let out = '';
  let count = 0;
  for (const { segment } of new Intl.Segmenter('und', { granularity: 'grapheme' }).segment(text)) {
    const size = [...segment].length;
    if (count + size > maxChars) break;
    out += segment;
    count += size;
  }
  return out.trimEnd();
}

/**
 * A registered name as payval stores and shows it, or null when nothing readable is left. Digits are
 * masked before the name is cut, so a cut can never leave an unmasked piece of a number behind.
 */
export function cleanRegisteredName(raw: string | null, accountNumber: string | null = null): string | null {
  if (raw === null) return null;
  const name = truncateToChars(maskDigitRuns(cleanText(raw), accountNumber), REGISTERED_NAME_MAX_CHARS);
  return name === '' ? null : name;
}

/**
 * A partner reference exactly as given (surrounding whitespace aside), or the reason it cannot be
 * kept. Never truncated or rewritten: a changed reference would find nothing at the partner.
 */
export function checkPartnerReference(raw: string, accountNumber: string | null = null): { ok: string } | { problem: string } {
  const ref = raw.trim();
  if (ref === '') return { problem: 'empty' };
  if (ref.length > PARTNER_REFERENCE_MAX_CHARS) return { problem: 'too_long' };
  if (!REFERENCE.test(ref)) return { problem: 'characters' };
  if (accountNumber !== null && accountNumber.length >= 9 && ref.includes(accountNumber)) return { problem: 'account_number' };
  return { ok: ref };
}

/** Throws PartnerAnswerError naming the field when the answer cannot be stored. */
export function cleanPartnerResult(result: PartnerResult, req: PartnerRequest): PartnerResult {
  const accountNumber = req.type === 'bank_account' ? req.accountNumber : null;
  if (!Object.hasOwn(ACCOUNT_STATUSES, result.accountStatus)) throw new PartnerAnswerError('account_status', 'unknown');
  if (result.statusReason !== null && !Object.hasOwn(STATUS_REASONS, result.statusReason)) throw new PartnerAnswerError('status_reason', 'unknown');
  return {
    accountStatus: result.accountStatus,
    statusReason: result.statusReason,
    registeredName: cleanRegisteredName(result.registeredName, accountNumber),
    partnerReference: reference(result.partnerReference, accountNumber),
  };
}

/** cleanPartnerResult for an answer; a pending outcome's reference is checked the same way. */
export function cleanPartnerOutcome(outcome: PartnerOutcome, req: PartnerRequest): PartnerOutcome {
  if (outcome.kind === 'answered') {
    if (outcome.billed !== false) return { kind: 'answered', result: cleanPartnerResult(outcome.result, req) };
    try {
      return { kind: 'answered', result: cleanPartnerResult(outcome.result, req), billed: false };
    } catch (err) {
      // An answer the partner does not bill stays unbilled when it cannot be stored either.
      if (err instanceof PartnerAnswerError) throw new PartnerAnswerError(err.field, err.problem, false);
      throw err;
    }
  }
  const accountNumber = req.type === 'bank_account' ? req.accountNumber : null;
  const partnerReference = outcome.partnerReference === null ? null : reference(outcome.partnerReference, accountNumber);
  const retryAfterMs = outcome.retryAfterMs !== null && Number.isFinite(outcome.retryAfterMs) ? Math.max(0, outcome.retryAfterMs) : null;
  return { kind: 'pending', partnerReference, retryAfterMs };
}

function reference(raw: string, accountNumber: string | null): string {
  const checked = checkPartnerReference(raw, accountNumber);
  if ('problem' in checked) throw new PartnerAnswerError('partner_reference', checked.problem);
  return checked.ok;
}
