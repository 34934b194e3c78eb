import {
  AMBIGUOUS_TITLES, NAME_TITLES, BUSINESS_WORDS, CONNECTORS, HONORIFIC_CANON, HONORIFICS, LEGAL_CANON, LEGAL_FORMS, NAME_FORMING_HONORIFICS, NAME_HONORIFIC_SUFFIXES, NAME_STARTING_HONORIFICS,
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
  /** A leading Shri or Thiru was kept as the possible start of a two-word name (Thiru Murugan). */
  titleKept: boolean;
}

// S/O, D/O, W/O, C/O, H/O with a slash or dots; bare SO/DO/WO or "S O" between words; spelled-out relations.
const RELATION = /(?:^|[\s,.;(])(?:[SDWCH]\s*[/\\]\s*O|[SDWC]\s*\.\s*O)(?![\p{L}\p{N}])\.?|\s(?:SO|DO|WO|[SDW] O)\s|(?:^|\s)(?:SON|DAUGHTER|WIFE|HUSBAND|CARE)\s+OF(?![\p{L}\p{N}])/iu;
export const MESSRS = /(^|[^\p{L}\p{N}])M\s*\/\s*S(?![\p{L}\p{N}])\.?/giu;
/** HUF written with dots or spaces (H.U.F., H U F); the parser and the truncation check read it alike. */
export const HUF_SPELLING = /(^|[^\p{L}])H\.?\s*U\.?\s*F\.?(?![\p{L}])/giu;
const VOWELLESS_INITIALS = /^[B-DF-HJ-NP-TV-XZ]{2,3}$/;
const NAME_SUFFIX = /^(.{3,}?)(BHAI|BEN|BAHEN|BEHN|JI|KUMAR|BAI|SAHEB|SAHAB)$/;
// The last two letters of those suffixes: a cheap test before the pattern.
const SUFFIX_ENDINGS = new Set(['AI', 'EN', 'HN', 'JI', 'AR', 'EB', 'AB']);
// Suffixes that are part of the name (Hirenkumar, Sitabai), unlike the respectful bhai, ben and ji.
const NAME_PART_SUFFIXES = new Set(['KUMAR', 'BAI']);
const CUT_LEGAL_WORDS = ['PRIVATE', 'LIMITED', 'COMPANY', 'CORPORATION', 'INCORPORATED'];
// Something parseName's phrase rewrites look for: (P), LIMITED LIABILITY…, ONE PERSON…, H.U.F., HINDU…, …SANGHA.
const PHRASE_HINT = /\(|LIABILITY|PERSON|H\W*U\W*F|UNDIVIDED|SANGHA/i;

// Something every RELATION match contains (a slash or dot, a bare SO/DO/WO or S O, an OF): most names
// have none, and the full pattern is the costliest part of parsing.
const RELATION_HINT = /[/\\.]|\s[SDW] ?O\s|OF(?![A-Z])/i;

function splitRelation(s: string): { holder: string; relation: string | null } {
  const m = RELATION_HINT.test(s) ? RELATION.exec(s) : null;
  // The holder needs a word of its own ("K S O NAIR" is initials and a name), and two before a bare DO,
  // which is also the Portuguese "do" of Goan names (Maria do Carmo Fernandes).
  const holder = s.slice(0, m?.index ?? 0);
  if (!m) return { holder: s, relation: null };
  // "S/O RAMESH KUMAR": no holder at all, only the relative, who is not the account's holder.
  if (!/\p{L}/u.test(holder) && /^[\s,.;(]*[SDWCH]\s*[/\\.]\s*O|^\s*(?:SON|DAUGHTER|WIFE|HUSBAND|CARE)\s+OF/iu.test(s)) {
    return { holder: '', relation: s.slice(m.index + m[0].length).toUpperCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim() };
  }
  if (!/\p{L}{2}/u.test(holder)) return { holder: s, relation: null };
  if (/^\s*DO\s*$/i.test(m[0]) && holder.trim().split(/\s+/).length < 2) return { holder: s, relation: null };
  const relation = s.slice(m.index + m[0].length).toUpperCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
  // Salutations stay for the relative's own parsing (SHRI RAM may be Shriram); LATE only says they died.
  return { holder: s.slice(0, m.index), relation: relation.split(' ').filter((w) => w !== 'LATE').join(' ') };
}

function makeToken(cased: string): NameToken {
  const raw = cased.toUpperCase();
  const text = LEGAL_CANON.get(raw) ?? raw;
  const initial = raw.length === 1 && /\p{L}/u.test(raw);
  // A name of its own is not a stem plus "ji": Balaji and Ramji are not Bala and Ram.
  let suffix = raw.length > 5 && SUFFIX_ENDINGS.has(raw.slice(-2)) ? NAME_SUFFIX.exec(raw) : null;
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

/**
 * What a leading salutation-like word is: a title to drop, part of the name (Sri Devi → Sridevi,
 * Major Singh), or kept for now as the possible start of a two-word name (Thiru Murugan), which
 * compare() drops again when the other side has no such name.
 */
function leadingTitle(tokens: readonly NameToken[], i: number, keepNameTitles: boolean): 'title' | 'name' | 'maybe' {
  const t = tokens[i]!;
  if (!HONORIFICS.has(t.raw) || (AMBIGUOUS_TITLES.has(t.raw) && tokens.length - i < 3)) return 'name';
  // Major and Captain are also given names (Major Singh): a title only before a name that is not Singh or Kumar.
  if (NAME_TITLES.has(t.raw) && (tokens[i + 1]?.weak ?? true)) return 'name';
  // "Sri Devi Reddy" is Sridevi and "Sree Lakshmi" Sreelakshmi: Sri and Sree begin many South Indian
  // names. Shri and Thiru are mostly salutations: part of the name only when without them a single
  // word would be left ("Thiru Murugan"; "Shri Ram Gupta" is Ram Gupta).
  const next = tokens[i + 1];
  if (!NAME_FORMING_HONORIFICS.has(t.raw) || !next || !isGivenName(t.raw + next.raw)) return 'title';
  if (NAME_STARTING_HONORIFICS.has(t.raw)) return 'name';
  return tokens.length - i !== 2 || !keepNameTitles ? 'title' : 'maybe';
}

/** A person's name without its leading titles, a title after it (", Dr.") and -bhai, -ben, ji after a given name. */
function stripPersonTitles(input: NameToken[], honorifics: string[], keepNameTitles: boolean): { tokens: NameToken[]; titleKept: boolean } {
  const note = (t: NameToken) => honorifics.push(HONORIFIC_CANON.get(t.raw) ?? t.raw);
  let drop = 0;
  let kind: ReturnType<typeof leadingTitle> = 'name';
  while (drop < input.length - 1 && (kind = leadingTitle(input, drop, keepNameTitles)) === 'title') note(input[drop++]!);
  const tokens = input.slice(drop);
  // A title after the name ("Tapan Kumar Ghosh, Dr.").
  while (tokens.length > 2 && TRAILING_TITLES.has(tokens[tokens.length - 1]!.raw)) note(tokens.pop()!);
  // "Nilesh Bhai Patel", "Bhavna Ben", "Mahesh Ji Sharma": a respectful word after the given name, not
  // a name, unless "ji" makes one name with it (Ram Ji → Ramji).
  const out: NameToken[] = [];
  for (const [i, t] of tokens.entries()) {
    const suffix = i > 0 && tokens.length >= 2 && NAME_HONORIFIC_SUFFIXES.has(t.raw) && !(t.raw === 'JI' && isGivenName(tokens[i - 1]!.raw + t.raw));
    if (suffix) note(t);
    else out.push(t);
  }
  return { tokens: out, titleKept: kind === 'maybe' };
}

/** Splits a name into comparable tokens. Pure; the same input always gives the same output. */
export function parseName(input: string, keepNameTitles = true): ParsedName {
  // Most names are ASCII already; others have their Latin diacritics folded away (é → e). The marks of
  // other scripts stay: an Indic vowel sign is part of the name (राम and रमा are different names).
  const ascii = /^[\x20-\x7e]*$/.test(input);
  const trimmed = (ascii ? input : input.normalize('NFKD').replace(/(\p{Script=Latin})\p{M}+/gu, '$1').normalize('NFC')).trim();
  const { holder, relation } = splitRelation(trimmed);
  const honorifics: string[] = [];
  const connectors: string[] = [];
  let s = !holder.includes('/') ? holder : holder.replace(MESSRS, (_m, lead: string) => {
    honorifics.push('M/S');
    return `${lead} `;
  });
  // Multi-word forms, rewritten only when one may be there: most names have none, and this runs per match.
  if (PHRASE_HINT.test(s)) {
    s = s
      .replace(/\(\s*P\s*\)/gi, ' P ')
      .replace(/\bLIMITED\s+LIABILITY\s+PARTNERSHIP\b/gi, ' LIMITEDLIABILITYPARTNERSHIP ')
      .replace(/\bONE\s+PERSON\s+COMPANY\b/gi, ' ONEPERSONCOMPANY ')
      .replace(HUF_SPELLING, '$1 HUF ')
      .replace(/\bHINDU\s+UNDIVIDED\s+FAMILY\b/gi, ' HUF ')
      // Sangha is a surname too (Punjabi); after these words it is an association (Smriti Sangha, Yuva Sangha).
      .replace(/\b(SMRITI|SEVA|YUVA|MAHILA|KRISHAK|SHRAMIK)\s+SANGHA\b/gi, '$1 SANGH');
  }
  if (/[&'\u2019`]/.test(s)) s = s.replace(/&/g, ' & ').replace(/['\u2019`]/g, '');
  // ASCII names (most of them) take the cheaper ASCII patterns; the result is the same.
  const punctuation = ascii ? s.replace(/[A-Za-z0-9\s&]/g, '') : s.replace(/[\p{L}\p{M}\p{N}\s&]/gu, '');
  const chunks = s.split(ascii ? /[^A-Za-z0-9&]+/ : /[^\p{L}\p{M}\p{N}&]+/u).filter((c) => c !== '');

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
  let titleKept = false;
  const last = tokens[tokens.length - 1];
  if (last && tokens.length > 1 && trimmed.length >= 20 && last.raw.length >= 2 && !LEGAL_CANON.has(last.raw)) {
    const form = CUT_LEGAL_WORDS.find((w) => w.startsWith(last.raw));
    if (form) {
      tokens[tokens.length - 1] = { ...last, text: LEGAL_CANON.get(form)!, key: LEGAL_CANON.get(form)!, initial: false, weak: false, legal: true, business: true };
      cut = true;
    }
  }
  if (!tokens.some((t) => t.business)) ({ tokens, titleKept } = stripPersonTitles(tokens, honorifics, keepNameTitles));
  honorifics.sort();
  connectors.sort();
  return { tokens, relation, honorifics, connectors, punctuation, splitInitials, length: trimmed.length, cut, titleKept };
}
