// What the name lexicons say about one token: a given name, a surname, or neither. The lists are in
// ./lexicon/ (sources and licences: docs/name-match/lexicon-sources.md). Tokens arrive upper-case; an
// unlisted spelling is looked up by phonetic key, so a variant spelling of a listed name counts as listed.
import { LISTED_GIVEN_NAMES, LISTED_SURNAMES, phoneticKey } from './name-variants.js';

const GIVEN = new Set(LISTED_GIVEN_NAMES);
const SURNAME = new Set(LISTED_SURNAMES);
const GIVEN_KEYS = new Set([...GIVEN].map(phoneticKey));
const SURNAME_KEYS = new Set([...SURNAME].map(phoneticKey));

// A listed spelling answers for itself; an unlisted one by its phonetic key. So MITTAL (a surname) is
// not taken for MITAL (a given name) because the two share a key.

/** The token is someone's own first name somewhere in India (Thomas and Kumar included). */
export const isGivenName = (token: string): boolean =>
  GIVEN.has(token) || (!SURNAME.has(token) && GIVEN_KEYS.has(phoneticKey(token)));

/** The token is a family name and not a given name (Sharma, Patil, Nair): it never identifies one person. */
export const isSurnameOnly = (token: string): boolean => {
  if (SURNAME.has(token) || GIVEN.has(token)) return SURNAME.has(token) && !GIVEN.has(token);
  const key = phoneticKey(token);
  return SURNAME_KEYS.has(key) && !GIVEN_KEYS.has(key);
};
