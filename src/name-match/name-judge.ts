import { FREE, orderDiffers, TRUNCATED, type Alignment, type PairKind } from './name-align.js';
import { hardRules, reviewRules } from './name-holder-rules.js';
import { MIN_TRUNCATED_LENGTH, TRUNCATION_WIDTHS } from './name-truncation.js';
import { PROPRIETOR_WORDS } from './name-lexicon.js';
import type { NameToken, ParsedName } from './name-normalize.js';
import { verdictFor, type NameMatchFlag, type NameMatchOutcome, type NameMatchReason, type NameMatchThresholds } from './name-match-types.js';
import { orderedFlags, orderedReasons } from './name-match-order.js';

// Formatting differences cost little; they only matter to a tenant who sets match above ~96.
const FORMAT_PENALTY = { honorific: 2, order: 4, legal: 3, variant: 2 };
// Substantive differences: [first occurrence, each further one].
const CLOSE_PENALTY: Record<'initial' | 'translit' | 'joined' | 'typo' | 'typo2' | 'prefix' | 'legalForm', [number, number]> = {
  initial: [12, 5], translit: [12, 4], joined: [12, 4], typo: [14, 6], typo2: [18, 8], prefix: [12, 4], legalForm: [15, 0],
};
const MIN_COVERAGE_PENALTY = 12;
// A hard rule's score stays below any sensible close-match threshold.
const HARD_RULE_CAP = 49;
// A single given name against a full name, or a person against their own trade name: someone should look.
const REVIEW_BAND = { floor: 70, cap: 80 };
const LEGAL_FORM_CAP = 85;

const KIND_REASON: Record<PairKind, NameMatchReason | null> = {
  exact: null, legal: 'legal_form_normalized', spaced: 'case_or_punctuation', translit: 'transliteration', curated: 'transliteration',
  suffix: 'honorific_ignored', split: 'joined_tokens', joined: 'joined_tokens', typo: 'typo', initial: 'initial_expanded', prefix: 'truncated',
};
// Pair kinds that are formatting, not a difference in the name.
const FORMAT_KIND: Partial<Record<PairKind, number>> = { curated: FORMAT_PENALTY.variant, suffix: FORMAT_PENALTY.honorific, split: FORMAT_PENALTY.variant };

/** 'm' for -bhai, 'f' for -ben or -bai (separate or joined), null for neither or both. */
function gender(p: ParsedName): 'm' | 'f' | null {
  const m = p.honorifics.includes('BHAI') || p.tokens.some((t) => t.stem !== null && t.raw.endsWith('BHAI'));
  const f = p.honorifics.includes('BEN') || p.tokens.some((t) => t.stem !== null && /(?:BEN|BAHEN|BEHN|(?<!H)BAI)$/.test(t.raw));
  return m === f ? null : m ? 'm' : 'f';
}

const importance = (t: NameToken): number => (t.initial || t.weak || t.legal ? 0.5 : 1);
const sameList = (x: readonly string[], y: readonly string[]): boolean => x.length === y.length && x.every((v, i) => v === y[i]);
const isAnyBusiness = (tokens: readonly NameToken[], state: Uint8Array): boolean => tokens.some((t, i) => t.business && state[i] !== TRUNCATED);
const COMPANY_FORMS = new Set(['PVT', 'LTD', 'OPC', 'INC', 'CORP']);
const company = (forms: Set<string>): boolean => [...forms].some((x) => COMPANY_FORMS.has(x));
const formsOf = (p: ParsedName): Set<string> => new Set(p.tokens.filter((t) => t.legal).map((t) => t.text));

/** Compares two relatives named after S/O, W/O…: the same person, or not. */
export type RelativeCheck = (a: string, b: string) => boolean;

export interface JudgeContext {
  thresholds: NameMatchThresholds;
  sameRelative: RelativeCheck;
  /** Either side was converted from an Indic script: a romanisation difference is then not held against it. */
  converted: boolean;
  /** Exactly one side was converted: its tokens are compared with Latin spellings by their skeleton. */
  oneSideConverted: boolean;
  /** The converted side is the expected name. */
  convertedIsA: boolean;
  /** The converted script was Tamil, which writes k/g, t/d and p/b alike. */
  voicingBlind: boolean;
  /** The converted script writes a final inherent vowel that Latin spellings often drop (Bengali, Odia, Kannada, Telugu). */
  finalSchwa: 'none' | 'either' | 'converted';
}

/** Scores an alignment of two parsed names: score, verdict, reasons and flags. Pure. */
export function judge(a: ParsedName, b: ParsedName, al: Alignment, ctx: JudgeContext): NameMatchOutcome {
  const reasons = new Set<NameMatchReason>();
  const flags = new Set<NameMatchFlag>();
  const close: number[] = [];
  let format = 0;
  const add = (kind: keyof typeof CLOSE_PENALTY, count: number) => {
    for (let k = 0; k < count; k++) close.push(CLOSE_PENALTY[kind][k === 0 ? 0 : 1]);
  };

  const counts = new Map<string, number>();
  let caseDiffers = false;
  for (const p of al.pairs) {
    const reason = KIND_REASON[p.kind];
    if (reason && p.kind !== 'prefix') reasons.add(reason);
    if (p.kind === 'exact' && a.tokens[p.a[0]!]!.cased !== b.tokens[p.b[0]!]!.cased) caseDiffers = true;
    // A token cut short counts as truncation only on a side long enough to have been cut (20+ characters).
    if (p.kind === 'prefix') {
      const cutSide = a.tokens[p.a[0]!]!.raw.length < b.tokens[p.b[0]!]!.raw.length ? a : b;
      const cut = cutSide.length >= MIN_TRUNCATED_LENGTH;
      reasons.add(cut ? 'truncated' : 'initial_expanded');
      if (cut) flags.add('truncated');
    }
    let kind: string = p.kind === 'typo' && p.distance === 2 ? 'typo2' : p.kind;
    // A romanisation produced here, against a Latin name, is one spelling among several: its difference
    // is not the payee's. Two native names are compared strictly (the script wrote the letters).
    if (ctx.oneSideConverted && kind === 'translit') kind = 'curated';
    if (kind === 'curated' || FORMAT_KIND[p.kind as PairKind] !== undefined) format += FORMAT_KIND[kind as PairKind] ?? FORMAT_PENALTY.variant;
    else counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  for (const kind of ['initial', 'translit', 'joined', 'typo', 'typo2', 'prefix'] as const) add(kind, counts.get(kind) ?? 0);

  if (caseDiffers || a.punctuation !== b.punctuation || a.splitInitials !== b.splitInitials) reasons.add('case_or_punctuation');
  if (!sameList(a.honorifics, b.honorifics)) {
    reasons.add('honorific_ignored');
    format += FORMAT_PENALTY.honorific;
  }
  if (a.honorifics.includes('LATE') || b.honorifics.includes('LATE')) flags.add('deceased_marker');
  if (orderDiffers(al.pairs)) {
    reasons.add('token_order');
    format += FORMAT_PENALTY.order;
  }
  const businessA = isAnyBusiness(a.tokens, al.stateA);
  const businessB = isAnyBusiness(b.tokens, al.stateB);
  if (a.tokens.some((t) => t.business)) flags.add('business_name_expected');
  if (b.tokens.some((t) => t.business)) flags.add('business_name_registered');
  if (!sameList(a.connectors, b.connectors)) {
    reasons.add(businessA || businessB ? 'legal_form_normalized' : 'case_or_punctuation');
    // "PROP RAMESH KUMAR": a role written on one side only is not a spelling; a strict tenant may review it.
    if ([...a.connectors, ...b.connectors].some((c) => PROPRIETOR_WORDS.has(c))) format += FORMAT_PENALTY.honorific;
  }
  if (reasons.has('legal_form_normalized')) format += FORMAT_PENALTY.legal;
  if (businessA && businessB) {
    const [fa, fb] = [formsOf(a), formsOf(b)];
    if ((fa.has('LLP') && !fb.has('LLP') && company(fb)) || (fb.has('LLP') && !fa.has('LLP') && company(fa))) {
      reasons.add('legal_form_differs');
      flags.add('legal_form_differs');
      add('legalForm', 1);
    }
  }
  // Pvt Ltd against Ltd, or (OPC) Pvt Ltd: one company, written two ways; a missing form among them is formatting.
  const companyBoth = businessA && businessB && a.tokens.some((t) => COMPANY_FORMS.has(t.text)) && b.tokens.some((t) => COMPANY_FORMS.has(t.text));
  let differentRelative = false;
  if (a.relation !== null || b.relation !== null) flags.add('relation_clause');
  if (a.relation !== b.relation) {
    reasons.add('relation_suffix_ignored');
    format += FORMAT_PENALTY.honorific;
    // Both name a relative: they must be the same one. One side only: the bank's habit, not a difference.
    if (a.relation !== null && b.relation !== null) differentRelative = !ctx.sameRelative(a.relation, b.relation);
  }

  // Coverage: tokens one side has and the other lacks, weighted so a missing "Kumar" costs less than a missing "Sharma".
  let total = 0;
  let unpaid = 0;
  const freeA: number[] = [];
  const freeB: number[] = [];
  for (const [tokens, state, free] of [[a.tokens, al.stateA, freeA], [b.tokens, al.stateB, freeB]] as const) {
    for (let i = 0; i < tokens.length; i++) {
      if (state[i] === TRUNCATED) continue;
      if (companyBoth && state[i] === FREE && COMPANY_FORMS.has(tokens[i]!.text)) {
        if (!reasons.has('legal_form_normalized')) format += FORMAT_PENALTY.legal;
        reasons.add('legal_form_normalized');
        continue;
      }
      const w = importance(tokens[i]!);
      total += w;
      if (state[i] === FREE) {
        unpaid += w;
        free.push(i);
      }
    }
  }
  // The bank's field ended inside the last word (a cut legal form, or a word cut to its initial at a known width).
  const lastB = al.pairs.find((p) => p.b.includes(b.tokens.length - 1));
  if (b.cut || (lastB && (lastB.kind === 'initial' || lastB.kind === 'prefix') && (TRUNCATION_WIDTHS.has(b.length) || TRUNCATION_WIDTHS.has(b.length + 1)))) {
    reasons.add('truncated');
    flags.add('truncated');
  }
  if (freeA.length > 0 || al.stateA.includes(TRUNCATED)) reasons.add('missing_token');
  if (freeB.length > 0 || al.stateB.includes(TRUNCATED)) reasons.add('extra_token');
  if (unpaid > 0) close.push(Math.max(MIN_COVERAGE_PENALTY, (100 * unpaid) / total));

  const worst = close.length ? Math.max(...close) : 0;
  const closeTotal = worst + 0.5 * (close.reduce((s, v) => s + v, 0) - worst);
  let score = Math.max(0, Math.min(100, Math.round(100 - format - closeTotal)));

  const side = { a, b, al, freeA, freeB, businessA, businessB };
  const hard = hardRules(side);
  if (differentRelative) hard.push('different_relative');
  // Kiran Bhai and Kiran Ben are a man and a woman: the -bhai/-ben that is dropped still says which.
  const [ga, gb] = [gender(a), gender(b)];
  if (ga && gb && ga !== gb && !hard.includes('different_first_name')) hard.push('different_first_name');
  const review = reviewRules(side, flags);
  if (review === 'surname_only') flags.add('surname_only');
  if ((review === 'surname_only' || review === 'partial') && hard.length === 0) hard.push('few_tokens_shared');
  if (hard.includes('given_names_reversed')) flags.add('reversed_given_names');
  if (hard.includes('no_common_token')) {
    // Nothing in common: listing every token as missing and extra would add nothing.
    reasons.delete('missing_token');
    reasons.delete('extra_token');
  }
  for (const r of hard) reasons.add(r);
  // Not byte-identical, yet nothing above differs: inner spacing, or the case of a dropped salutation.
  if (reasons.size === 0) reasons.add('case_or_punctuation');
  if (hard.length > 0) return { score: Math.min(score, HARD_RULE_CAP), result: 'no_match', reasons: orderedReasons(reasons), flags: orderedFlags(flags) };
  if (review === 'first_name_only' || review === 'trade_name') score = Math.min(REVIEW_BAND.cap, Math.max(REVIEW_BAND.floor, score));
  // LLP against Pvt Ltd: the same name, perhaps not the same entity (a conversion, or two registrations).
  if (flags.has('legal_form_differs')) score = Math.min(LEGAL_FORM_CAP, Math.max(REVIEW_BAND.floor, score));
  return { score, result: verdictFor(score, ctx.thresholds), reasons: orderedReasons(reasons), flags: orderedFlags(flags) };
}

