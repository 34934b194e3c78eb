import { DEFAULT_NAME_MATCH_THRESHOLDS, matchPayeeNames, type NameMatchOutcome, type NameMatchThresholds, type NameMatchVerdict } from './name-matcher.js';

export interface LabelledNamePair { name_1: string; name_2: string; expected: NameMatchVerdict; category: string; note?: string; flags?: string[] }

export interface ClassMetrics { support: number; predicted: number; correct: number; precision: number; recall: number }
export interface CategoryMetrics { total: number; correct: number; accuracy: number }

export interface NameMatcherEvaluation {
  total: number;
  accuracy: number;
  perClass: Record<NameMatchVerdict, ClassMetrics>;
  perCategory: Record<string, CategoryMetrics>;
  /** confusion[expected][predicted] */
  confusion: Record<NameMatchVerdict, Record<NameMatchVerdict, number>>;
  /** Labelled match or close_match, predicted match or close_match: the same holder is not turned away. */
  sameHolderRecall: number;
  /** Labelled no_match, predicted match or close_match: a different person let through (the costly error). */
  differentHolderAccepted: number;
  /** Labelled no_match, predicted match. */
  differentHolderMatched: number;
  misses: Array<LabelledNamePair & { predicted: NameMatchVerdict; score: number; reasons: string[] }>;
  /** Pairs whose labelled flags were not all returned. */
  flagMisses: Array<LabelledNamePair & { returned: string[] }>;
}

const VERDICTS: readonly NameMatchVerdict[] = ['match', 'close_match', 'no_match'];
const ratio = (n: number, d: number): number => (d === 0 ? 1 : n / d);

/** A matcher to evaluate; `flags` is optional so an earlier version (without them) can be measured too. */
export type NameMatcherFn = (expected: string, registered: string, thresholds?: NameMatchThresholds) => Omit<NameMatchOutcome, 'flags'> & { flags?: readonly string[] };

/** Runs the matcher over a labelled set and scores it the way the payout team reads it. */
export function evaluateNameMatcher(
  pairs: readonly LabelledNamePair[],
  matcher: NameMatcherFn = matchPayeeNames,
  thresholds: NameMatchThresholds = DEFAULT_NAME_MATCH_THRESHOLDS,
): NameMatcherEvaluation {
  const row = (): Record<NameMatchVerdict, number> => ({ match: 0, close_match: 0, no_match: 0 });
  const confusion = { match: row(), close_match: row(), no_match: row() };
  const perCategory: Record<string, CategoryMetrics> = {};
  const misses: NameMatcherEvaluation['misses'] = [];
  const flagMisses: NameMatcherEvaluation['flagMisses'] = [];
  for (const p of pairs) {
    const out = matcher(p.name_1, p.name_2, thresholds);
    if (p.flags?.some((f) => !(out.flags as readonly string[] | undefined ?? []).includes(f))) flagMisses.push({ ...p, returned: [...(out.flags ?? [])] });
    confusion[p.expected][out.result]++;
    const cat = (perCategory[p.category] ??= { total: 0, correct: 0, accuracy: 0 });
    cat.total++;
    if (out.result === p.expected) cat.correct++;
    else misses.push({ ...p, predicted: out.result, score: out.score, reasons: out.reasons });
  }
  for (const cat of Object.values(perCategory)) cat.accuracy = ratio(cat.correct, cat.total);

  const perClass = {} as Record<NameMatchVerdict, ClassMetrics>;
  for (const v of VERDICTS) {
    const support = VERDICTS.reduce((s, p) => s + confusion[v][p], 0);
    const predicted = VERDICTS.reduce((s, e) => s + confusion[e][v], 0);
    const correct = confusion[v][v];
    perClass[v] = { support, predicted, correct, precision: ratio(correct, predicted), recall: ratio(correct, support) };
  }
  const positive = (r: Record<NameMatchVerdict, number>) => r.match + r.close_match;
  const correct = VERDICTS.reduce((s, v) => s + confusion[v][v], 0);
  return {
    total: pairs.length,
    accuracy: ratio(correct, pairs.length),
    perClass,
    perCategory,
    confusion,
    sameHolderRecall: ratio(positive(confusion.match) + positive(confusion.close_match), perClass.match.support + perClass.close_match.support),
    differentHolderAccepted: positive(confusion.no_match),
    differentHolderMatched: confusion.no_match.match,
    misses,
    flagMisses,
  };
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`.padStart(7);

/** The evaluation as a plain-text table, for test output, the benchmark and the README. */
export function formatNameMatcherEvaluation(e: NameMatcherEvaluation): string {
  const lines = [
    `labelled pairs: ${e.total}   accuracy: ${pct(e.accuracy).trim()}   same-holder recall (match+close_match): ${pct(e.sameHolderRecall).trim()}`,
    `different holder accepted (no_match → match/close_match): ${e.differentHolderAccepted}   of which → match: ${e.differentHolderMatched}   labelled flags missed: ${e.flagMisses.length}`,
    '',
    'class         support  predicted  precision  recall',
  ];
  for (const v of VERDICTS) {
    const c = e.perClass[v];
    lines.push(`${v.padEnd(13)} ${String(c.support).padStart(7)}  ${String(c.predicted).padStart(9)}  ${pct(c.precision).padStart(9)}  ${pct(c.recall)}`);
  }
  lines.push('', 'confusion (rows: labelled, columns: predicted)', `${''.padEnd(13)} ${VERDICTS.map((v) => v.padStart(13)).join('')}`);
  for (const v of VERDICTS) lines.push(`${v.padEnd(13)} ${VERDICTS.map((p) => String(e.confusion[v][p]).padStart(13)).join('')}`);
  lines.push('', 'category                       pairs  correct  accuracy');
  for (const [name, c] of Object.entries(e.perCategory).sort(([x], [y]) => x.localeCompare(y))) {
    lines.push(`${name.padEnd(30)} ${String(c.total).padStart(5)}  ${String(c.correct).padStart(7)}  ${pct(c.accuracy).padStart(8)}`);
  }
  return lines.join('\n');
}
