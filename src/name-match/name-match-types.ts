export type NameMatchVerdict = 'match' | 'close_match' | 'no_match';

/** Stable codes explaining the score, always reported in this order. */
export const NAME_MATCH_REASONS = [
  'exact', 'case_or_punctuation', 'honorific_ignored', 'token_order', 'initial_expanded', 'transliteration',
  'typo', 'missing_token', 'extra_token', 'relation_suffix_ignored', 'legal_form_normalized', 'joined_tokens',
  'truncated', 'proprietor_linked', 'legal_form_differs',
  'different_first_name', 'different_surname', 'given_names_reversed', 'different_relative', 'different_business_word',
  'person_vs_business', 'few_tokens_shared', 'no_common_token',
] as const;
export type NameMatchReason = (typeof NAME_MATCH_REASONS)[number];

/**
 * Signals a payout team can act on, whatever the verdict; always reported in this order.
 * `_expected` / `_registered` say which side they were seen on.
 */
export const NAME_MATCH_FLAGS = [
  'business_name_expected', 'business_name_registered', 'first_name_only', 'surname_only', 'relation_clause',
  'truncated', 'script_converted', 'proprietor_linked', 'legal_form_differs', 'reversed_given_names', 'deceased_marker',
] as const;
export type NameMatchFlag = (typeof NAME_MATCH_FLAGS)[number];

export interface NameMatchThresholds { match: number; closeMatch: number }
export interface NameMatchOutcome { score: number; result: NameMatchVerdict; reasons: NameMatchReason[]; flags: NameMatchFlag[] }

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

export const verdictFor = (score: number, t: NameMatchThresholds): NameMatchVerdict =>
  score >= t.match ? 'match' : score >= t.closeMatch ? 'close_match' : 'no_match';
