// What the name lexicons say about one token: a given name, a surname, or neither. The lists are in
// ./lexicon/ (sources and licences: docs/name-match/lexicon-sources.md). Tokens arrive upper-case and
// are looked up by phonetic key, so a variant spelling of a listed name counts as listed.
import { GIVEN_NAMES } from './lexicon/given-names.js';
import { SURNAMES } from './lexicon/surnames.js';
import { phoneticKey } from './name-variants.js';

const keysOf = (list: string): Set<string> => new Set(list.trim().split(/\s+/).map(phoneticKey));

const GIVEN_KEYS = keysOf(GIVEN_NAMES);
const SURNAME_KEYS = keysOf(SURNAMES);

/** The token is someone's own first name somewhere in India (Thomas and Kumar included). */
export const isGivenName = (token: string): boolean => GIVEN_KEYS.has(phoneticKey(token));

/** The token is a family name and not a given name (Sharma, Patil, Nair): it never identifies one person. */
export const isSurnameOnly = (token: string): boolean => {
  const key = phoneticKey(token);
  return SURNAME_KEYS.has(key) && !GIVEN_KEYS.has(key);
};
