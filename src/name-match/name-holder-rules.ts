import { orderDiffers, type Alignment } from './name-align.js';
import { DESCRIPTOR_EXCLUDED, ENTITY_WORDS, NAME_FORMING_HONORIFICS, NAME_PREFIX_TOKENS, SURNAME_SLOT_TOKENS, USUALLY_SURNAMES } from './name-lexicon.js';
import type { NameMatchFlag, NameMatchReason } from './name-match-types.js';
import type { NameToken, ParsedName } from './name-normalize.js';
import { isGivenName, isSurnameOnly } from './name-people.js';
import { canonicalToken, isKnownName } from './name-variants.js';

// Whether two names can be the same holder at all, whatever their score: the hard rules that make them
// different people, and the review rules that cap a same-holder pair at close_match.

export interface Sides { a: ParsedName; b: ParsedName; al: Alignment; freeA: number[]; freeB: number[]; businessA: boolean; businessB: boolean }

// Kumar, Devi, Mohammed, Syed…: where they stand says nothing about which given name comes first.
const orderFree = (t: NameToken): boolean =>
  t.initial || t.business || SURNAME_SLOT_TOKENS.has(t.text) || NAME_PREFIX_TOKENS.has(t.text) || NAME_PREFIX_TOKENS.has(canonicalToken(t.text)) ||
  USUALLY_SURNAMES.has(t.text) || isSurnameOnly(t.text);
const givenLike = (t: NameToken): boolean => !orderFree(t) && isGivenName(t.text);
const isDescriptor = (t: NameToken): boolean => t.business && !t.legal && !ENTITY_WORDS.has(t.text) && !DESCRIPTOR_EXCLUDED.has(t.text);
/**
 * A given name and more: two or more words, one of them a distinctive name (not a surname, Kumar, Ram,
 * Sai or an initial). "SAI RAM" is a devotion, not a person trading under their name.
 */
const isFullPersonName = (tokens: readonly NameToken[]): boolean =>
  tokens.filter((t) => !t.initial).length >= 2 &&
  tokens.some((t) => !t.initial && !t.weak && !t.business && !SURNAME_SLOT_TOKENS.has(t.text) && !NAME_PREFIX_TOKENS.has(canonicalToken(t.text)) && !isSurnameOnly(t.text));

/**
 * What the business side adds to a person's full name is trade words only ("RAVI SHANKAR PANDEY GENERAL
 * STORE"): at least one descriptor, no legal form, entity word or further person's name.
 */
const isTradeName = (tokens: readonly NameToken[], free: readonly number[], person: readonly NameToken[]): boolean =>
  isFullPersonName(person) &&
  free.some((i) => isDescriptor(tokens[i]!)) &&
  !tokens.some((t) => t.legal || ENTITY_WORDS.has(t.text) || DESCRIPTOR_EXCLUDED.has(t.text)) &&
  free.every((i) => isDescriptor(tokens[i]!) || !isKnownName(tokens[i]!.text));

/** The rules that make two names different holders whatever their score. */
export function hardRules({ a, b, al, freeA, freeB, businessA, businessB }: Sides): NameMatchReason[] {
  const substantive = al.pairs.filter((p) => !p.a.every((i) => a.tokens[i]!.legal));
  if (substantive.length === 0) return ['no_common_token'];
  const out: NameMatchReason[] = [];

  if (businessA !== businessB) {
    // A name that only adds a legal form (Maruti Components India / … Limited) is the same entity;
    // "& Co" is not such a form: it names a firm, not the person it is named after. A person's full
    // name plus trade words only ("Ramesh Kumar" / "RAMESH KUMAR TRADERS") is left to reviewRules.
    const [bizTokens, bizFree, other, otherFree] = businessA ? [a.tokens, freeA, b.tokens, freeB] : [b.tokens, freeB, a.tokens, freeA];
    const tradeName = otherFree.length === 0 && isTradeName(bizTokens, bizFree, other);
    // A person's name plus a legal form is a company named after them, not them (Neha Kapoor LLP); an
    // unlisted trade name plus a legal form is the same entity (Maruti Components India / … Limited).
    const personLike = other.every((t) => t.initial || t.weak || isKnownName(t.text));
    const legalOnly = bizFree.every((i) => bizTokens[i]!.legal && bizTokens[i]!.text !== 'CO');
    if (!tradeName && (otherFree.length > 0 || !legalOnly || personLike)) out.push('person_vs_business');
  } else if (businessA && businessB) {
    // Another word makes another business: Shiv Enterprises / Shiv Exports, Anand Ltd / Anand Finance Ltd,
    // Krishna Enterprises / Krishna Auto Enterprises. Only a legal form or a leading Shri may differ.
    const extra = [...freeA.map((i) => a.tokens[i]!), ...freeB.map((i) => b.tokens[i]!)];
    if (extra.some((t) => !t.legal && !NAME_FORMING_HONORIFICS.has(t.raw))) out.push('different_business_word');
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

  // Two given names swapped (Thomas Joseph / Joseph Thomas) are, in patronymic naming, father and son.
  if (!businessA && !businessB) {
    // Only listed given names count: an unlisted word is more often a surname (Mittal, Dravid) or a
    // house name (Puthenpurayil) than a rare given name, and a surname moved to the front is no swap.
    const names = al.pairs.filter((p) => {
      if (p.a.length !== 1 || p.b.length !== 1) return false;
      const [s, t] = [a.tokens[p.a[0]!]!, b.tokens[p.b[0]!]!];
      return !orderFree(s) && !orderFree(t) && (givenLike(s) || givenLike(t));
    });
    if (names.length >= 2 && orderDiffers(names)) out.push('given_names_reversed');
  }
  return out;
}

export type Review = 'first_name_only' | 'surname_only' | 'trade_name' | 'partial' | null;

const familyOnly = (p: ParsedName): boolean =>
  p.tokens.every((t) => t.initial || SURNAME_SLOT_TOKENS.has(t.text) || isSurnameOnly(t.text)) && p.tokens.some((t) => isSurnameOnly(t.text));
const single = (p: ParsedName): boolean => p.tokens.length === 1 && !p.tokens[0]!.initial;

/** Same holder perhaps, but not enough for a match: a lone given name, or a person's own trade name. */
export function reviewRules({ a, b, al, freeA, freeB, businessA, businessB }: Sides, flags: Set<NameMatchFlag>): Review {
  if (businessA !== businessB) {
    const [tokens, free, person] = businessA ? [a.tokens, freeA, b.tokens] : [b.tokens, freeB, a.tokens];
    return isTradeName(tokens, free, person) ? 'trade_name' : null;
  }
  if (businessA) return null;
  // One side names only a family: its surname, perhaps with Kumar or Devi ("DEVI REDDY" for Sridevi Reddy).
  if ((familyOnly(a) && freeB.some((i) => !b.tokens[i]!.weak && !b.tokens[i]!.initial)) || (familyOnly(b) && freeA.some((i) => !a.tokens[i]!.weak && !a.tokens[i]!.initial))) return 'surname_only';
  const [lone, full, loneIsA] = single(a) && b.tokens.length >= 2 ? [a, b, true] : single(b) && a.tokens.length >= 2 ? [b, a, false] : [null, null, false];
  if (!lone || !full) return null;
  const pair = al.pairs.find((p) => (loneIsA ? p.a : p.b).includes(0));
  if (!pair || pair.a.length !== 1 || pair.b.length !== 1) return null;
  const j = (loneIsA ? pair.b : pair.a)[0]!;
  // Slots of the full name, initials and common tokens aside: the given name first, the family name
  // last, unless written surname first (PATIL ASHWINI RAMESH); a middle word is often the father's name.
  const words = full.tokens.map((t, i) => (t.initial || t.weak ? -1 : i)).filter((i) => i >= 0);
  if (words.length === 0) return null;
  const surnameFirst = words.length > 1 && isSurnameOnly(full.tokens[words[0]!]!.text) && !isSurnameOnly(full.tokens[words[words.length - 1]!]!.text);
  const givenSlot = surnameFirst ? words[1] : words[0];
  // The last word (Kumar and Khan included) is the family name, unless it is the only word (K VENKATESH).
  const lastWord = full.tokens.findLastIndex((t) => !t.initial);
  const surnameSlot = surnameFirst ? words[0] : words.length === 1 && lastWord === words[0] ? -1 : lastWord;
  const token = lone.tokens[0]!;
  if (isSurnameOnly(token.text) || j === surnameSlot) return 'surname_only';
  // Sai, Venkata, Mohammed alone are the start of many names, not a given name.
  if (token.weak || NAME_PREFIX_TOKENS.has(canonicalToken(token.text)) || j !== givenSlot) return 'partial';
  flags.add('first_name_only');
  return 'first_name_only';
}
