import { alignNames, FREE, type ScriptContext } from './name-align.js';
import { splitProprietor } from './name-entities.js';
import { judge, type JudgeContext } from './name-judge.js';
import { orderedFlags, orderedReasons } from './name-match-order.js';
import {
  DEFAULT_NAME_MATCH_THRESHOLDS, verdictFor, type NameMatchFlag, type NameMatchOutcome, type NameMatchReason, type NameMatchThresholds,
} from './name-match-types.js';
import { parseName } from './name-normalize.js';
import { hasIndicScript, toBankLatin } from './name-script.js';
import { isTruncationOf } from './name-truncation.js';
import { isKnownName } from './name-variants.js';
import { ENTITY_WORDS } from './name-lexicon.js';

export {
  DEFAULT_NAME_MATCH_THRESHOLDS, NAME_MATCH_FLAGS, NAME_MATCH_REASONS, parseNameMatchThresholds,
  type NameMatchFlag, type NameMatchOutcome, type NameMatchReason, type NameMatchThresholds, type NameMatchVerdict,
} from './name-match-types.js';

const INDIC_LETTER = /(?=[\u0900-\u0D7F])\p{L}/u;
// A truncated name that agrees with everything it kept is the same name; the score says it was cut.
const TRUNCATED_SCORE = 96;
// The proprietor of a firm, paid through the firm's account: the same holder, for a person to confirm.
const PROPRIETOR_PERSON_CAP = 85;
// The firm itself, with its proprietor named: a match, but not an exact one, so a strict tenant can review it.
const PROPRIETOR_FIRM_CAP = 98;

/**
 * Compares the name a payer expects with the name a bank registered. Pure and deterministic.
 * The score (0–100) sets the verdict against the thresholds, except that a different person
 * (another given name or surname beside shared ones, a person against a business, or only common
 * tokens such as Kumar or Devi in common) is always `no_match`. `flags` are signals for a person to
 * act on whatever the verdict (a business name, a relation clause, a truncated or converted name…).
 */
export function matchPayeeNames(expected: string, registered: string, thresholds: NameMatchThresholds = DEFAULT_NAME_MATCH_THRESHOLDS): NameMatchOutcome {
  const identical = expected.trim() !== '' && expected.trim() === registered.trim();
  // A name counts as converted only when it had Indic letters: a stray danda or nukta is punctuation.
  let convertedA = false;
  let convertedB = false;
  let voicingBlind = false;
  let finalSchwa: ScriptContext['finalSchwa'] = 'none';
  if (hasIndicScript(expected) || hasIndicScript(registered)) {
    const [a, b] = [toBankLatin(expected), toBankLatin(registered)];
    [convertedA, convertedB] = [INDIC_LETTER.test(expected), INDIC_LETTER.test(registered)];
    [expected, registered] = [a.text, b.text];
    const scripts = [...a.scripts, ...b.scripts];
    voicingBlind = scripts.includes('tamil');
    // Bengali and Odia leave the final inherent vowel unwritten, so either side may have it (Subrata,
    // Subrat); Kannada and Telugu write it, and Latin spellings often drop it (Basavaraja, Basavaraj).
    finalSchwa = scripts.some((s) => s === 'bengali' || s === 'oriya') ? 'either' : scripts.some((s) => s === 'kannada' || s === 'telugu') ? 'converted' : 'none';
  }
  const converted = convertedA || convertedB;
  const ctx: JudgeContext = {
    thresholds, converted, oneSideConverted: convertedA !== convertedB, convertedIsA: convertedA, voicingBlind, finalSchwa,
    // The same relative, or one written cut short (W/O RAMESH KU for W/O RAMESH KUMAR SHARMA).
    sameRelative: (a, b) => compare(a, b, ctx).result !== 'no_match' || isRelativeCut(a, b) || isRelativeCut(b, a),
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

/** `cut` is `full` cut short inside a word that is no name of its own (RAMESH KU, not RAMESH of RAMESHWAR). */
function isRelativeCut(full: string, cut: string): boolean {
  if (cut.length < 5 || cut.length >= full.length || !full.startsWith(cut) || full[cut.length] === ' ') return false;
  const stub = cut.slice(cut.lastIndexOf(' ') + 1);
  return !isKnownName(stub);
}

function compare(expected: string, registered: string, ctx: JudgeContext): NameMatchOutcome {
  let a = parseName(expected);
  let b = parseName(registered);
  if (a.tokens.length === 0 || b.tokens.length === 0) return { score: 0, result: 'no_match', reasons: ['no_common_token'], flags: [] };
  const script: ScriptContext = {
    oneSideConverted: ctx.oneSideConverted, bothConverted: ctx.converted && !ctx.oneSideConverted, convertedIsA: ctx.convertedIsA,
    voicingBlind: ctx.voicingBlind, finalSchwa: ctx.finalSchwa,
  };
  let al = alignNames(a, b, script);
  // A kept Thiru or Shri that joined nothing on the other side was a salutation after all.
  if ((a.titleKept && al.stateA[0] === FREE) || (b.titleKept && al.stateB[0] === FREE)) {
    if (a.titleKept && al.stateA[0] === FREE) a = parseName(expected, false);
    if (b.titleKept && al.stateB[0] === FREE) b = parseName(registered, false);
    al = alignNames(a, b, script);
  }
  return judge(a, b, al, ctx);
}

/** The registered name is the expected one cut by the bank's fixed-width name field. */
function truncated(expected: string, registered: string, ctx: JudgeContext): NameMatchOutcome | null {
  if (!isTruncationOf(expected, registered)) return null;
  const flags = new Set<NameMatchFlag>(['truncated']);
  const [a, b] = [parseName(expected), parseName(registered)];
  if (a.tokens.some((t) => t.business)) flags.add('business_name_expected');
  if (b.tokens.some((t) => t.business)) flags.add('business_name_registered');
  if (a.relation !== null || b.relation !== null) flags.add('relation_clause');
  if (a.honorifics.includes('LATE') || b.honorifics.includes('LATE')) flags.add('deceased_marker');
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
  if (firm.result !== 'no_match') return linked(firm, PROPRIETOR_FIRM_CAP);
  // A company, LLP or trust has no proprietor: its "PROP" names someone else's role, not a link to them.
  if (parseName(split.firm).tokens.some((t) => (t.legal && t.text !== 'CO') || ENTITY_WORDS.has(t.text))) return null;
  const person = cmp(split.person);
  return person.result !== 'no_match' ? linked(person, PROPRIETOR_PERSON_CAP) : null;
}
