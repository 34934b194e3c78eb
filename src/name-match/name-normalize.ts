import {
  AMBIGUOUS_TITLES, BUSINESS_WORDS, CONNECTORS, HONORIFIC_CANON, HONORIFICS, LEGAL_CANON, LEGAL_FORMS, NAME_FORMING_HONORIFICS, NAME_HONORIFIC_SUFFIXES, NAME_STARTING_HONORIFICS,
  PROPRIETOR_WORDS, TOKEN_VARIANTS, TRAILING_TITLES, WEAK_TOKENS,
} from './name-lexicon.js';
import { isGivenName } from './name-people.js';
import { canonicalToken, phoneticKey } from './name-variants.js';

export interface NameToken {
  /** Upper-case; legal forms and descriptors in canonical spelling (PRIVATE → PVT). */
  text: string;
  /** Upper-case as written, so a truncated "PRIVAT" can still be seen as the start of "PRIVATE". */
  raw: string;
  /** As typed, to tell a case-only difference from an identical token. */
  cased: string;
  key: string;
  /** The given name under a suffix: RAMESHBHAI → RAMESH, HETALBEN → HETAL, HIRENKUMAR → HIREN. */
  stem: string | null;
  /** The stripped suffix is an honorific (bhai, ben) rather than a name part (kumar). */
  stemHonorific: boolean;
  initial: boolean;
  weak: boolean;
  legal: boolean;
  business: boolean;
}

export interface ParsedName {
  /** The holder's own name, in written order, without salutations, connectors or a relation suffix. */
  tokens: NameToken[];
  /** What followed S/O, D/O, W/O, C/O, "son of"… (upper-case, space-joined); null when there was none. */
  relation: string | null;
  /** Canonical salutations that were dropped, sorted, so two sides can be compared. */
  honorifics: string[];
  /** Connector words as written (&, AND, THE, OF), sorted. */
  connectors: string[];
  /** Punctuation as written, for telling "K.S." from "K S". */
  punctuation: string;
  /** Run-together initials were split ("KS" → K S). */
  splitInitials: boolean;
  /** Trimmed input length, for spotting a bank's fixed-width truncation. */
  length: number;
  /** The last word was a legal form cut short by a fixed-width field (PRIVAT, LIMI). */
  cut: boolean;
}

// S/O, D/O, W/O, C/O, H/O with a slash or dots; bare SO/DO/WO or "S O" between words; spelled-out relations.
const RELATION = /(?:^|[\s,.;(])(?:[SDWCH]\s*[/\\]\s*O|[SDWC]\s*\.\s*O)(?![\p{L}\p{N}])\.?|\s(?:SO|DO|WO|[SDW] O)\s|(?:^|\s)(?:SON|DAUGHTER|WIFE|HUSBAND|CARE)\s+OF(?![\p{L}\p{N}])/iu;
const MESSRS = /(^|[^\p{L}\p{N}])M\s*\/\s*S(?![\p{L}\p{N}])\.?/giu;
const VOWELLESS_INITIALS = /^[B-DF-HJ-NP-TV-XZ]{2,3}$/;
const NAME_SUFFIX = /^(.{3,}?)(BHAI|BEN|BAHEN|BEHN|JI|KUMAR|BAI)$/;
// Suffixes that are part of the name (Hirenkumar, Sitabai), unlike the respectful bhai, ben and ji.
const NAME_PART_SUFFIXES = new Set(['KUMAR', 'BAI']);
const CUT_LEGAL_WORDS = ['PRIVATE', 'LIMITED', 'COMPANY', 'CORPORATION', 'INCORPORATED'];
// Something parseName's phrase rewrites look for: (P), LIMITED LIABILITY…, ONE PERSON…, H.U.F., HINDU…, …SANGHA.
const PHRASE_HINT = /\(|LIABILITY|PERSON|H\W*U\W*F|UNDIVIDED|SANGHA/i;

function splitRelation(s: string): { holder: string; relation: string | null } {
  const m = RELATION.exec(s);
  if (!m || !/\p{L}/u.test(s.slice(0, m.index))) return { holder: s, relation: null };
  const relation = s.slice(m.index + m[0].length).toUpperCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
  return { holder: s.slice(0, m.index), relation: relation.split(' ').filter((w) => w !== 'LATE' && !HONORIFICS.has(w)).join(' ') };
}

function makeToken(cased: string): NameToken {
  const raw = cased.toUpperCase();
  const text = LEGAL_CANON.get(raw) ?? raw;
  const initial = raw.length === 1 && /\p{L}/u.test(raw);
  // A name of its own is not a stem plus "ji": Balaji and Ramji are not Bala and Ram.
  let suffix = raw.length > 5 ? NAME_SUFFIX.exec(raw) : null;
  if (suffix?.[2] === 'JI' && isGivenName(raw)) suffix = null;
  return {
    text,
    raw,
    cased,
    key: text === raw ? phoneticKey(raw) : text,
    stem: suffix?.[1] ?? null,
    stemHonorific: suffix !== null && !NAME_PART_SUFFIXES.has(suffix[2]!),
    initial,
    weak: WEAK_TOKENS.has(canonicalToken(raw)),
    legal: LEGAL_FORMS.has(text),
    business: BUSINESS_WORDS.has(text),
  };
}

const nextIsLtd = (cased: readonly string[], i: number): boolean => LEGAL_CANON.get(cased[i + 1]?.toUpperCase() ?? '') === 'LTD';

/** Splits a name into comparable tokens. Pure; the same input always gives the same output. */
export function parseName(input: string): ParsedName {
  // Most names are ASCII already; others have their Latin diacritics folded away (é → e). The marks of
  // other scripts stay: an Indic vowel sign is part of the name (राम and रमा are different names).
  const trimmed = (/^[\x20-\x7e]*$/.test(input) ? input : input.normalize('NFKD').replace(/(\p{Script=Latin})\p{M}+/gu, '$1').normalize('NFC')).trim();
  const { holder, relation } = splitRelation(trimmed);
  const honorifics: string[] = [];
  const connectors: string[] = [];
  let s = holder.replace(MESSRS, (_m, lead: string) => {
    honorifics.push('M/S');
    return `${lead} `;
  });
  // Multi-word forms, rewritten only when one may be there: most names have none, and this runs per match.
  if (PHRASE_HINT.test(s)) {
    s = s
      .replace(/\(\s*P\s*\)/gi, ' P ')
      .replace(/\bLIMITED\s+LIABILITY\s+PARTNERSHIP\b/gi, ' LIMITEDLIABILITYPARTNERSHIP ')
      .replace(/\bONE\s+PERSON\s+COMPANY\b/gi, ' ONEPERSONCOMPANY ')
      .replace(/(^|[^\p{L}])H\.?\s*U\.?\s*F\.?(?![\p{L}])/giu, '$1 HUF ')
      .replace(/\bHINDU\s+UNDIVIDED\s+FAMILY\b/gi, ' HUF ')
      // Sangha is a surname too (Punjabi); after these words it is an association (Smriti Sangha, Yuva Sangha).
      .replace(/\b(SMRITI|SEVA|YUVA|MAHILA|KRISHAK|SHRAMIK)\s+SANGHA\b/gi, '$1 SANGH');
  }
  if (/[&'\u2019`]/.test(s)) s = s.replace(/&/g, ' & ').replace(/['\u2019`]/g, '');
  const punctuation = s.replace(/[\p{L}\p{M}\p{N}\s&]/gu, '');
  const chunks = s.split(/[^\p{L}\p{M}\p{N}&]+/u).filter((c) => c !== '');

  let splitInitials = false;
  let leading = true; // still inside a run of leading salutations ("Dr (Mrs) …")
  const cased: string[] = [];
  for (const [i, chunk] of chunks.entries()) {
    const up = chunk.toUpperCase();
    const salutation: boolean = leading && HONORIFICS.has(up);
    leading = salutation;
    if (up === '&' || CONNECTORS.has(up) || PROPRIETOR_WORDS.has(up)) {
      connectors.push(up);
      continue;
    }
    if (up === 'MESSRS') {
      honorifics.push('M/S');
      continue;
    }
    // The last word: a title after the name (DR), or a legal form cut short (PR for PRIVATE), not initials.
    const lastWord = i === chunks.length - 1 && (TRAILING_TITLES.has(up) || (s.length >= 20 && CUT_LEGAL_WORDS.some((w) => w.startsWith(up))));
    const isListed = LEGAL_CANON.has(up) || BUSINESS_WORDS.has(up) || TOKEN_VARIANTS.has(up) || salutation || lastWord;
    if (VOWELLESS_INITIALS.test(up) && !isListed) {
      splitInitials = true;
      for (const ch of chunk) cased.push(ch);
      continue;
    }
    cased.push(chunk);
  }

  let tokens = cased.map((c, i) => {
    const t = makeToken(c);
    // A lone P before LTD is "(P) Ltd", brackets or not: Private, not an initial.
    if (t.raw === 'P' && nextIsLtd(cased, i)) return { ...t, text: 'PVT', key: 'PVT', initial: false, legal: true, business: true };
    return t;
  });
  // A fixed-width field that stopped inside a legal form: "… PRIVAT", "… LIMI", "… PR".
  let cut = false;
  const last = tokens[tokens.length - 1];
  if (last && tokens.length > 1 && trimmed.length >= 20 && last.raw.length >= 2 && !LEGAL_CANON.has(last.raw)) {
    const form = CUT_LEGAL_WORDS.find((w) => w.startsWith(last.raw));
    if (form) {
      tokens[tokens.length - 1] = { ...last, text: LEGAL_CANON.get(form)!, key: LEGAL_CANON.get(form)!, initial: false, weak: false, legal: true, business: true };
      cut = true;
    }
  }
  const isBusiness = tokens.some((t) => t.business);
  if (!isBusiness) {
    let drop = 0;
    const title = (i: number) => {
      const t = tokens[i]!;
      if (!HONORIFICS.has(t.raw) || (AMBIGUOUS_TITLES.has(t.raw) && tokens.length - i < 3)) return false;
      // "Sri Devi Reddy" is Sridevi and "Sree Lakshmi" Sreelakshmi: Sri and Sree begin many South Indian
      // names. Shri and Thiru are mostly salutations: part of the name only when without them a common
      // token or a single word would be left ("Shri Hari Om Gupta" keeps Hari Om; "Thiru Murugan").
      const next = tokens[i + 1];
      if (!NAME_FORMING_HONORIFICS.has(t.raw) || !next || !isGivenName(t.raw + next.raw)) return true;
      return !(NAME_STARTING_HONORIFICS.has(t.raw) || next.weak || tokens.length - i === 2);
    };
    while (drop < tokens.length - 1 && title(drop)) {
      honorifics.push(HONORIFIC_CANON.get(tokens[drop]!.raw) ?? tokens[drop]!.raw);
      drop++;
    }
    tokens = tokens.slice(drop);
    // A title after the name ("Tapan Kumar Ghosh, Dr.").
    while (tokens.length > 2 && TRAILING_TITLES.has(tokens[tokens.length - 1]!.raw)) {
      const t = tokens.pop()!;
      honorifics.push(HONORIFIC_CANON.get(t.raw) ?? t.raw);
    }
    // "Nilesh Bhai Patel", "Bhavna Ben", "Mahesh Ji Sharma": a respectful word after the given name, not
    // a name, unless "ji" makes one name with it (Ram Ji → Ramji).
    tokens = tokens.filter((t, i, all) => {
      if (i === 0 || all.length < 2 || !NAME_HONORIFIC_SUFFIXES.has(t.raw) || (t.raw === 'JI' && isGivenName(all[i - 1]!.raw + t.raw))) return true;
      honorifics.push(HONORIFIC_CANON.get(t.raw) ?? t.raw);
      return false;
    });
  }
  honorifics.sort();
  connectors.sort();
  return { tokens, relation, honorifics, connectors, punctuation, splitInitials, length: trimmed.length, cut };
}
