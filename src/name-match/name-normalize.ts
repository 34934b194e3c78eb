import { BUSINESS_WORDS, CONNECTORS, HONORIFIC_CANON, HONORIFICS, LEGAL_CANON, LEGAL_FORMS, TOKEN_VARIANTS, WEAK_TOKENS } from './name-lexicon.js';
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
}

// S/O, D/O, W/O, C/O, H/O with a slash or dots; bare SO/DO/WO or "S O" between words; spelled-out relations.
const RELATION = /(?:^|[\s,.;(])(?:[SDWCH]\s*[/\\]\s*O|[SDWC]\s*\.\s*O)(?![\p{L}\p{N}])\.?|\s(?:SO|DO|WO|[SDW] O)\s|(?:^|\s)(?:SON|DAUGHTER|WIFE|HUSBAND|CARE)\s+OF(?![\p{L}\p{N}])/iu;
const MESSRS = /(^|[^\p{L}\p{N}])M\s*\/\s*S(?![\p{L}\p{N}])\.?/giu;
const VOWELLESS_INITIALS = /^[B-DF-HJ-NP-TV-XZ]{2,3}$/;
const NAME_SUFFIX = /^(.{3,}?)(BHAI|BEN|BAHEN|BEHN|KUMAR)$/;

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
  const suffix = NAME_SUFFIX.exec(raw);
  return {
    text,
    raw,
    cased,
    key: text === raw ? phoneticKey(raw) : text,
    stem: suffix?.[1] ?? null,
    stemHonorific: suffix !== null && suffix[2] !== 'KUMAR',
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
  s = s
    .replace(/\(\s*P\s*\)/gi, ' P ')
    .replace(/\bLIMITED\s+LIABILITY\s+PARTNERSHIP\b/gi, ' LIMITEDLIABILITYPARTNERSHIP ')
    .replace(/\bONE\s+PERSON\s+COMPANY\b/gi, ' ONEPERSONCOMPANY ')
    .replace(/&/g, ' & ')
    .replace(/['\u2019`]/g, '');
  const punctuation = s.replace(/[\p{L}\p{M}\p{N}\s&]/gu, '');
  const chunks = s.split(/[^\p{L}\p{M}\p{N}&]+/u).filter((c) => c !== '');

  let splitInitials = false;
  let leading = true; // still inside a run of leading salutations ("Dr (Mrs) …")
  const cased: string[] = [];
  for (const [i, chunk] of chunks.entries()) {
    const up = chunk.toUpperCase();
    const salutation: boolean = leading && HONORIFICS.has(up);
    leading = salutation;
    if (up === '&' || CONNECTORS.has(up)) {
      connectors.push(up);
      continue;
    }
    if (up === 'MESSRS') {
      honorifics.push('M/S');
      continue;
    }
    const isListed = LEGAL_CANON.has(up) || BUSINESS_WORDS.has(up) || TOKEN_VARIANTS.has(up) || salutation;
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
  const isBusiness = tokens.some((t) => t.business);
  if (!isBusiness) {
    let drop = 0;
    while (drop < tokens.length - 1 && HONORIFICS.has(tokens[drop]!.raw)) {
      honorifics.push(HONORIFIC_CANON.get(tokens[drop]!.raw) ?? tokens[drop]!.raw);
      drop++;
    }
    tokens = tokens.slice(drop);
  }
  honorifics.sort();
  connectors.sort();
  return { tokens, relation, honorifics, connectors, punctuation, splitInitials, length: trimmed.length };
}
