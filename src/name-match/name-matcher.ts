import { alignNames, FREE, orderDiffers, TRUNCATED, type Alignment, type PairKind } from './name-align.js';
import { parseName, type NameToken, type ParsedName } from './name-normalize.js';

export type NameMatchVerdict = 'match' | 'close_match' | 'no_match';

/** Stable codes, always reported in this order. */
export const NAME_MATCH_REASONS = [
  'exact', 'case_or_punctuation', 'honorific_ignored', 'token_order', 'initial_expanded', 'transliteration',
  'typo', 'missing_token', 'extra_token', 'relation_suffix_ignored', 'legal_form_normalized', 'joined_tokens',
  'different_first_name', 'different_surname', 'person_vs_business', 'few_tokens_shared', 'no_common_token',
] as const;
export type NameMatchReason = (typeof NAME_MATCH_REASONS)[number];

export interface NameMatchThresholds { match: number; closeMatch: number }
export interface NameMatchOutcome { score: number; result: NameMatchVerdict; reasons: NameMatchReason[] }

// On the labelled set, formatting-only differences score 94–100 and substantive ones 69–88, so 90
// splits them. Same-holder pairs with two stacked differences bottom out near 69; one shared token
// out of three scores about 57. 65 sits between, with a margin on both sides.
export const DEFAULT_NAME_MATCH_THRESHOLDS: NameMatchThresholds = Object.freeze({ match: 90, closeMatch: 65 });

/** Validates tenant- or config-supplied thresholds: integers with 0 ≤ closeMatch ≤ match ≤ 100. */
export function parseNameMatchThresholds(obj: unknown): NameMatchThresholds {
  if (typeof obj !== 'object' || obj === null) throw new TypeError('name-match thresholds must be an object');
  const { match, closeMatch } = obj as Record<string, unknown>;
  for (const [field, v] of [['match', match], ['closeMatch', closeMatch]] as const) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 100) throw new RangeError(`name-match threshold ${field} must be an integer from 0 to 100`);
  }
  if ((closeMatch as number) > (match as number)) throw new RangeError('name-match threshold closeMatch must not exceed match');
  return { match: match as number, closeMatch: closeMatch as number };
}

// Formatting differences cost little; they only matter to a tenant who sets match above ~96.
const FORMAT_PENALTY = { honorific: 2, order: 4, legal: 3 };
// Substantive differences: [first occurrence, each further one].
const CLOSE_PENALTY: Record<'initial' | 'translit' | 'suffix' | 'joined' | 'typo' | 'typo2' | 'prefix' | 'relation', [number, number]> = {
  initial: [12, 5], translit: [12, 4], suffix: [12, 4], joined: [12, 4], typo: [14, 6], typo2: [18, 8], prefix: [12, 4], relation: [12, 0],
};
const MIN_COVERAGE_PENALTY = 12;
// A hard rule's score stays below any sensible close-match threshold.
const HARD_RULE_CAP = 49;

const KIND_REASON: Record<PairKind, NameMatchReason | null> = {
  exact: null, legal: 'legal_form_normalized', spaced: 'case_or_punctuation', translit: 'transliteration', suffix: 'honorific_ignored',
  joined: 'joined_tokens', typo: 'typo', initial: 'initial_expanded', prefix: 'initial_expanded',
};

const importance = (t: NameToken): number => (t.initial || t.weak || t.legal ? 0.5 : 1);
const sameList = (x: readonly string[], y: readonly string[]): boolean => x.length === y.length && x.every((v, i) => v === y[i]);
const isAnyBusiness = (tokens: readonly NameToken[], state: Uint8Array): boolean => tokens.some((t, i) => t.business && state[i] !== TRUNCATED);

/**
 * Compares the name a payer expects with the name a bank registered. Pure and deterministic.
 * The score (0–100) sets the verdict against the thresholds, except that a different person
 * (another given name or surname beside shared ones, a person against a business, or only common
 * tokens such as Kumar or Devi in common) is always `no_match`.
 */
export function matchPayeeNames(expected: string, registered: string, thresholds: NameMatchThresholds = DEFAULT_NAME_MATCH_THRESHOLDS): NameMatchOutcome {
  const trimmedA = expected.trim();
  if (trimmedA !== '' && trimmedA === registered.trim()) return { score: 100, result: 'match', reasons: ['exact'] };
  const a = parseName(expected);
  const b = parseName(registered);
  if (a.tokens.length === 0 || b.tokens.length === 0) return { score: 0, result: 'no_match', reasons: ['no_common_token'] };
  return judge(a, b, alignNames(a, b), thresholds);
}

function judge(a: ParsedName, b: ParsedName, al: Alignment, thresholds: NameMatchThresholds): NameMatchOutcome {
  const reasons = new Set<NameMatchReason>();
  const close: number[] = [];
  let format = 0;
  const add = (kind: keyof typeof CLOSE_PENALTY, count: number) => {
    for (let k = 0; k < count; k++) close.push(CLOSE_PENALTY[kind][k === 0 ? 0 : 1]);
  };

  const counts = new Map<string, number>();
  let caseDiffers = false;
  for (const p of al.pairs) {
    const reason = KIND_REASON[p.kind];
    if (reason) reasons.add(reason);
    if (p.kind === 'exact' && a.tokens[p.a[0]!]!.cased !== b.tokens[p.b[0]!]!.cased) caseDiffers = true;
    const kind = p.kind === 'typo' && p.distance === 2 ? 'typo2' : p.kind;
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  for (const kind of ['initial', 'translit', 'suffix', 'joined', 'typo', 'typo2', 'prefix'] as const) add(kind, counts.get(kind) ?? 0);

  if (caseDiffers || a.punctuation !== b.punctuation || a.splitInitials !== b.splitInitials) reasons.add('case_or_punctuation');
  if (!sameList(a.honorifics, b.honorifics)) {
    reasons.add('honorific_ignored');
    format += FORMAT_PENALTY.honorific;
  }
  if (orderDiffers(al.pairs)) {
    reasons.add('token_order');
    format += FORMAT_PENALTY.order;
  }
  const businessA = isAnyBusiness(a.tokens, al.stateA);
  const businessB = isAnyBusiness(b.tokens, al.stateB);
  if (!sameList(a.connectors, b.connectors)) reasons.add(businessA || businessB ? 'legal_form_normalized' : 'case_or_punctuation');
  if (reasons.has('legal_form_normalized')) format += FORMAT_PENALTY.legal;
  if (a.relation !== b.relation) {
    reasons.add('relation_suffix_ignored');
    add('relation', 1);
  }

  // Coverage: tokens one side has and the other lacks, weighted so a missing "Kumar" costs less than a missing "Sharma".
  let total = 0;
  let unpaid = 0;
  const freeA: number[] = [];
  const freeB: number[] = [];
  for (const [tokens, state, free] of [[a.tokens, al.stateA, freeA], [b.tokens, al.stateB, freeB]] as const) {
    for (let i = 0; i < tokens.length; i++) {
      if (state[i] === TRUNCATED) continue;
      const w = importance(tokens[i]!);
      total += w;
      if (state[i] === FREE) {
        unpaid += w;
        free.push(i);
      }
    }
  }
  if (freeA.length > 0 || al.stateA.includes(TRUNCATED)) reasons.add('missing_token');
  if (freeB.length > 0 || al.stateB.includes(TRUNCATED)) reasons.add('extra_token');
  if (unpaid > 0) close.push(Math.max(MIN_COVERAGE_PENALTY, (100 * unpaid) / total));

  const worst = close.length ? Math.max(...close) : 0;
  const closeTotal = worst + 0.5 * (close.reduce((s, v) => s + v, 0) - worst);
  let score = Math.max(0, Math.min(100, Math.round(100 - format - closeTotal)));

  const hard = hardRules(a, b, al, freeA, freeB, businessA, businessB);
  if (hard.includes('no_common_token')) {
    // Nothing in common: listing every token as missing and extra would add nothing.
    reasons.delete('missing_token');
    reasons.delete('extra_token');
  }
  for (const r of hard) reasons.add(r);
  // Not byte-identical, yet nothing above differs: inner spacing, or the case of a dropped salutation.
  if (reasons.size === 0) reasons.add('case_or_punctuation');
  let result: NameMatchVerdict;
  if (hard.length > 0) {
    score = Math.min(score, HARD_RULE_CAP);
    result = 'no_match';
  } else {
    result = score >= thresholds.match ? 'match' : score >= thresholds.closeMatch ? 'close_match' : 'no_match';
  }
  return { score, result, reasons: NAME_MATCH_REASONS.filter((r) => reasons.has(r)) };
}

/** The rules that make two names different holders whatever their score. */
function hardRules(a: ParsedName, b: ParsedName, al: Alignment, freeA: number[], freeB: number[], businessA: boolean, businessB: boolean): NameMatchReason[] {
  const substantive = al.pairs.filter((p) => !p.a.every((i) => a.tokens[i]!.legal));
  if (substantive.length === 0) return ['no_common_token'];
  const out: NameMatchReason[] = [];

  if (businessA !== businessB) {
    // A name that only adds a legal form (Maruti Components India / … Limited) is the same entity;
    // "& Co" is not such a form: it names a firm, not the person it is named after.
    const [bizTokens, bizFree, otherFree] = businessA ? [a.tokens, freeA, freeB] : [b.tokens, freeB, freeA];
    if (otherFree.length > 0 || bizFree.some((i) => !bizTokens[i]!.legal || bizTokens[i]!.text === 'CO')) out.push('person_vs_business');
  }

  const conflictA = freeA.filter((i) => !a.tokens[i]!.legal);
  const conflictB = freeB.filter((i) => !b.tokens[i]!.legal);
  const weakOnly = substantive.every((p) => p.kind !== 'initial' && p.a.every((i) => a.tokens[i]!.weak) && p.b.every((i) => b.tokens[i]!.weak));
  if (conflictA.length > 0 && conflictB.length > 0) {
    const business = businessA || businessB;
    const lastA = a.tokens.length - 1;
    const lastB = b.tokens.length - 1;
    let surname = conflictA.includes(lastA) && conflictB.includes(lastB);
    let given = conflictA.some((i) => i !== lastA) || conflictB.some((i) => i !== lastB);
    // Shared Singh/Kumar/Devi is the surname slot, so what differs is the given name ("Singh Kuldeep" / "Singh Baldev").
    if (!given && weakOnly) [given, surname] = [true, false];
    if (!business && given) out.push('different_first_name');
    if (!business && surname) out.push('different_surname');
    const longest = Math.max(a.tokens.filter((t) => !t.legal).length, b.tokens.filter((t) => !t.legal).length);
    if (business || (substantive.length === 1 && longest >= 3)) out.push('few_tokens_shared');
  } else if (weakOnly && conflictA.length + conflictB.length > 0) {
    out.push('few_tokens_shared');
  }
  return out;
}
