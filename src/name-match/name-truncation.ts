import { BUSINESS_WORDS, ENTITY_WORDS, HONORIFICS, LEGAL_CANON, NAME_FORMING_HONORIFICS, PROPRIETOR_WORDS } from './name-lexicon.js';
import { HUF_SPELLING, MESSRS } from './name-normalize.js';
import { isGivenName } from './name-people.js';
import { isKnownName } from './name-variants.js';

// Words that make what was cut away another holder than the person kept: a business, an HUF or trust,
// a proprietorship, a junior or senior of the same name.
const OTHER_HOLDER = new Set([...BUSINESS_WORDS, ...ENTITY_WORDS, ...PROPRIETOR_WORDS, 'FAMILY', 'JR', 'SR', 'JUNIOR', 'SENIOR']);

/**
 * Widths at which banks and partners are known or commonly said to cut a name field: IMPS 50 (100 for
 * FIR), NEFT 35-character lines and 50, bulk-upload formats at 40, and the 20 and 30 that payout teams
 * report for core-banking account titles (docs/name-match/round-2-research.md §3).
 */
export const TRUNCATION_WIDTHS: ReadonlySet<number> = new Set([20, 30, 35, 40, 50, 100]);
/** A shorter name is a short name, not a cut one ("RAMESH KUMAR" is a missing surname). */
export const MIN_TRUNCATED_LENGTH = 20;

/**
 * Upper-case words only, single-spaced, without M/S or a leading salutation, but not one that may begin
 * the name itself (Sree Lakshmi, Selvi): those the parser decides, so a cut must keep them.
 */
function comparable(s: string): string {
  const words = s
    .toUpperCase()
    .replace(MESSRS, '$1 ')
    .replace(HUF_SPELLING, '$1 HUF ')
    .replace(/\bHINDU\s+UNDIVIDED\s+FAMILY\b/g, ' HUF ')
    .split(/[^\p{L}\p{N}&]+/u)
    .filter((w) => w !== '');
  let lead = 0;
  const salutation = (w: string) => w === 'MESSRS' || (HONORIFICS.has(w) && !NAME_FORMING_HONORIFICS.has(w) && !isGivenName(w));
  while (lead < words.length - 1 && salutation(words[lead]!)) lead++;
  return words.slice(lead).join(' ');
}

/**
 * `cut` is `full` cut short by a fixed-width field: the same words, in order, ending early (mid-word
 * or not), exactly at a known width, or one short of it where the field's last character was a
 * space. Not when a person's name was kept and what was cut away makes another holder (HUF, trust,
 * Pvt Ltd, Traders, PROP, Jr): the person's own account, cut at the same width, would read the same,
 * so the token rules decide (no match for an HUF, trust or company, a close match for a trade name).
 * Other prefixes are left to the token rules too (a close match at best).
 */
export function isTruncationOf(full: string, cut: string): boolean {
  const rawLength = cut.trim().replace(/\s+/g, ' ').length;
  if (rawLength < MIN_TRUNCATED_LENGTH || !(TRUNCATION_WIDTHS.has(rawLength) || TRUNCATION_WIDTHS.has(rawLength + 1))) return false;
  const f = comparable(full);
  const c = comparable(cut);
  if (c.length === 0 || c.length >= f.length || !f.startsWith(c)) return false;
  const onSpace = f[c.length] === ' ';
  // "RAMESH KUMAR AGARWAL" is the person, not the HUF; "RASHTRIYA … SHIKSHA" is the samiti cut short.
  const keptWords = c.split(' ');
  if (!onSpace) keptWords.pop(); // the cut word is unfinished
  // A person's name: up to four words, no trade word, at most one of them unlisted (an unlisted given name
  // or surname still counts; "JEEVAN JYOTI GRAMIN VIKAS SEVA" has two unlisted words and is a sansthan).
  const words = keptWords.filter((w) => w.length > 1);
  const unlisted = words.filter((w) => !isKnownName(w)).length;
  const personKept = words.length > 0 && words.length <= 4 && unlisted <= 1 && !words.some((w) => BUSINESS_WORDS.has(LEGAL_CANON.get(w) ?? w));
  const [cutWord, ...droppedWords] = f.slice(f.lastIndexOf(' ', c.length - 1) + 1).split(' '); // the cut word, then whole words after it
  const otherHolder = (w: string) => OTHER_HOLDER.has(LEGAL_CANON.get(w) ?? w);
  // Cut inside the trade word itself ("SRI VENKATESWARA ENT"): the bank holds the business's name.
  const cutInsideTradeWord = !onSpace && otherHolder(cutWord!);
  if (personKept && !cutInsideTradeWord && droppedWords.some(otherHolder)) return false;
  return TRUNCATION_WIDTHS.has(rawLength) || (onSpace && TRUNCATION_WIDTHS.has(rawLength + 1));
}
