import { alignNames } from './name-align.js';
import { splitProprietor } from './name-entities.js';
import { judge, type JudgeContext } from './name-judge.js';
import { orderedFlags, orderedReasons } from './name-match-order.js';
import {
  DEFAULT_NAME_MATCH_THRESHOLDS, verdictFor, type NameMatchFlag, type NameMatchOutcome, type NameMatchReason, type NameMatchThresholds,
} from './name-match-types.js';
import { parseName } from './name-normalize.js';
import { hasIndicScript, toBankLatin } from './name-script.js';
import { isTruncationOf } from './name-truncation.js';

export {
  DEFAULT_NAME_MATCH_THRESHOLDS, NAME_MATCH_FLAGS, NAME_MATCH_REASONS, parseNameMatchThresholds,
  type NameMatchFlag, type NameMatchOutcome, type NameMatchReason, type NameMatchThresholds, type NameMatchVerdict,
} from './name-match-types.js';

// A truncated name that agrees with everything it kept is the same name; the score says it was cut.
const TRUNCATED_SCORE = 96;
// The proprietor of a firm, paid through the firm's account: the same holder, for a person to confirm.
const PROPRIETOR_PERSON_CAP = 85;

/**
 * Compares the name a payer expects with the name a bank registered. Pure and deterministic.
 * The score (0–100) sets the verdict against the thresholds, except that a different person
 * (another given name or surname beside shared ones, a person against a business, or only common
 * tokens such as Kumar or Devi in common) is always `no_match`. `flags` are signals for a person to
 * act on whatever the verdict (a business name, a relation clause, a truncated or converted name…).
 */
export function matchPayeeNames(expected: string, registered: string, thresholds: NameMatchThresholds = DEFAULT_NAME_MATCH_THRESHOLDS): NameMatchOutcome {
  const identical = expected.trim() !== '' && expected.trim() === registered.trim();
  const convertedA = hasIndicScript(expected);
  const convertedB = hasIndicScript(registered);
  if (convertedA) expected = toBankLatin(expected).text;
  if (convertedB) registered = toBankLatin(registered).text;
  const converted = convertedA || convertedB;
  const ctx: JudgeContext = {
    thresholds, converted, oneSideConverted: convertedA !== convertedB,
    sameRelative: (a, b) => compare(a, b, ctx).result !== 'no_match',
  };

  let out = identical ? null : truncated(expected, registered, ctx);
  out ??= proprietorLinked(expected, registered, ctx) ?? compare(expected, registered, ctx);
  if (identical) out = { ...out, score: 100, result: 'match', reasons: ['exact'] };
  if (converted) {
    out.flags = orderedFlags(new Set<NameMatchFlag>([...out.flags, 'script_converted']));
    if (!identical) out.reasons = orderedReasons(new Set<NameMatchReason>([...out.reasons, 'transliteration']));
  }
  return out;
}

function compare(expected: string, registered: string, ctx: JudgeContext): NameMatchOutcome {
  const a = parseName(expected);
  const b = parseName(registered);
  if (a.tokens.length === 0 || b.tokens.length === 0) return { score: 0, result: 'no_match', reasons: ['no_common_token'], flags: [] };
  return judge(a, b, alignNames(a, b, ctx.oneSideConverted), ctx);
}

/** The registered name is the expected one cut by the bank's fixed-width name field. */
function truncated(expected: string, registered: string, ctx: JudgeContext): NameMatchOutcome | null {
  if (!isTruncationOf(expected, registered)) return null;
  const flags = new Set<NameMatchFlag>(['truncated']);
  if (parseName(expected).tokens.some((t) => t.business)) flags.add('business_name_expected');
  if (parseName(registered).tokens.some((t) => t.business)) flags.add('business_name_registered');
  return { score: TRUNCATED_SCORE, result: verdictFor(TRUNCATED_SCORE, ctx.thresholds), reasons: ['truncated'], flags: orderedFlags(flags) };
}

/**
 * "ABC TRADERS PROP RAMESH KUMAR" on one side only: the firm is that account's holder (a match when it
 * matches), its proprietor is linked to it (a close match at best). Null when neither part matches,
 * or when both sides carry a proprietor link (then they are compared whole).
 */
function proprietorLinked(expected: string, registered: string, ctx: JudgeContext): NameMatchOutcome | null {
  const splitE = splitProprietor(expected);
  const splitR = splitProprietor(registered);
  if ((splitE === null) === (splitR === null)) return null;
  const [split, cmp] = splitR
    ? [splitR, (part: string) => compare(expected, part, ctx)]
    : [splitE!, (part: string) => compare(part, registered, ctx)];
  const side: NameMatchFlag = splitR ? 'business_name_registered' : 'business_name_expected';
  const linked = (o: NameMatchOutcome, cap: number): NameMatchOutcome => {
    const score = Math.min(o.score, cap);
    return {
      score, result: verdictFor(score, ctx.thresholds),
      reasons: orderedReasons(new Set<NameMatchReason>([...o.reasons, 'proprietor_linked'])),
      flags: orderedFlags(new Set<NameMatchFlag>([...o.flags, 'proprietor_linked', side])),
    };
  };
  const firm = cmp(split.firm);
  if (firm.result !== 'no_match') return linked(firm, 100);
  const person = cmp(split.person);
  return person.result !== 'no_match' ? linked(person, PROPRIETOR_PERSON_CAP) : null;
}
