import { ENTITY_WORDS, HONORIFICS } from './name-lexicon.js';

/**
 * Widths at which banks and partners are known or commonly said to cut a name field: IMPS 50 (100 for
 * FIR), NEFT 35-character lines and 50, bulk-upload formats at 40, and the 20 and 30 that payout teams
 * report for core-banking account titles (docs/name-match/round-2-research.md §3).
 */
export const TRUNCATION_WIDTHS: ReadonlySet<number> = new Set([20, 30, 35, 40, 50, 100]);
/** A shorter name is a short name, not a cut one ("RAMESH KUMAR" is a missing surname). */
export const MIN_TRUNCATED_LENGTH = 20;

/** Upper-case words only, without a leading salutation or M/S, single-spaced. */
function comparable(s: string): string {
  const words = s.toUpperCase().replace(/(^|[^\p{L}\p{N}])M\s*\/\s*S(?![\p{L}\p{N}])/gu, '$1 ').split(/[^\p{L}\p{N}&]+/u).filter((w) => w !== '');
  let lead = 0;
  while (lead < words.length - 1 && (HONORIFICS.has(words[lead]!) || words[lead] === 'MESSRS')) lead++;
  return words.slice(lead).join(' ');
}

/**
 * `cut` is `full` cut short by a fixed-width field: the same words, in order, ending early (mid-word
 * or not), exactly at a known width, or one short of it where the field's last character was a
 * space. Not when all that was cut away is HUF, Trust or the like: a person is not their HUF, even at
 * 20 characters. Other prefixes are left to the token rules (a close match at best).
 */
export function isTruncationOf(full: string, cut: string): boolean {
  const rawLength = cut.trim().replace(/\s+/g, ' ').length;
  if (rawLength < MIN_TRUNCATED_LENGTH) return false;
  const f = comparable(full);
  const c = comparable(cut);
  if (c.length === 0 || c.length >= f.length || !f.startsWith(c)) return false;
  const onSpace = f[c.length] === ' ';
  if (onSpace && f.slice(c.length + 1).split(' ').every((w) => ENTITY_WORDS.has(w))) return false;
  return TRUNCATION_WIDTHS.has(rawLength) || (onSpace && TRUNCATION_WIDTHS.has(rawLength + 1));
}
