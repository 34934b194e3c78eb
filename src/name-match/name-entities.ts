import { BUSINESS_WORDS, LEGAL_CANON } from './name-lexicon.js';

// PROP, PROP., PROPR, PROPRIETOR, PROPRIETRIX… as a word, after the first part of the name.
const PROPRIETOR = /(?:^|[\s,.(/-])PROP(?:R|RIETOR|RIETRIX|RIETRESS|RIETORSHIP)?(?![\p{L}\p{N}])[.:)]?/iu;

const hasBusinessWord = (s: string): boolean =>
  s.toUpperCase().split(/[^\p{L}\p{N}]+/u).some((w) => BUSINESS_WORDS.has(LEGAL_CANON.get(w) ?? w));

/**
 * A sole proprietorship written with its owner ("ABC TRADERS PROP RAMESH KUMAR", "RAMESH KUMAR
 * PROPRIETOR OF ABC TRADERS"): the firm and the person, or null when there is no such link. The part
 * with trade words is the firm; when both have one, the firm comes first (the usual form).
 */
export function splitProprietor(name: string): { firm: string; person: string } | null {
  const m = PROPRIETOR.exec(name);
  if (!m) return null;
  const before = name.slice(0, m.index).trim();
  const after = name.slice(m.index + m[0].length).replace(/^\s*(?:OF|:|-)\s+/i, '').trim();
  if (!/\p{L}/u.test(before) || !/\p{L}/u.test(after)) return null;
  // Without a trade word on either side it is no proprietorship to go by ("RAMESH KUMAR PROP SUNITA DEVI"
  // names two people): the names are compared whole.
  const [firmAfter, firmBefore] = [hasBusinessWord(after), hasBusinessWord(before)];
  if (!firmAfter && !firmBefore) return null;
  return firmAfter && !firmBefore ? { firm: after, person: before } : { firm: before, person: after };
}
