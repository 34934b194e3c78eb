// The bank-spelling rules behind name-script.ts: sanscript's ISO-15919 output for one Indic word → the
// upper-case ASCII a bank would have typed. Research: docs/name-match/round-2-research.md §2; decision:
// docs/decisions/0031-indic-transliteration.md. Pure; no state.

export type IndicScript = 'bengali' | 'devanagari' | 'gujarati' | 'gurmukhi' | 'kannada' | 'malayalam' | 'oriya' | 'tamil' | 'telugu';

/** Indexed by (code point − U+0900) >> 7: the nine blocks, in Unicode order. */
export const SCRIPT_BY_BLOCK: readonly IndicScript[] = ['devanagari', 'bengali', 'gurmukhi', 'gujarati', 'oriya', 'tamil', 'telugu', 'kannada', 'malayalam'];

const DRAVIDIAN = new Set<IndicScript>(['tamil', 'telugu', 'kannada', 'malayalam']);
/** Final inherent vowel kept after a cluster (Partha, Prasanta), medial ones always kept. */
const EASTERN = new Set<IndicScript>(['bengali', 'oriya']);

// ISO-15919 → phoneme units → syllables → schwa deletion → bank ASCII.

const UNIT = /k͟h|r̥̄|r̥|l̥̄|l̥|m̐|[kgcjṭḍtdpbṛ]h|ai|au|[^]/gu;
const VOWELS = new Set(['a', 'ā', 'i', 'ī', 'u', 'ū', 'r̥', 'r̥̄', 'l̥', 'l̥̄', 'e', 'ē', 'ai', 'o', 'ō', 'au', 'ê', 'ô']);
const MODS = new Set(['ṁ', 'ḥ', 'm̐']);
const CONS: Record<string, string> = {
  k: 'K', kh: 'KH', g: 'G', gh: 'GH', ṅ: 'N', c: 'CH', ch: 'CHH', j: 'J', jh: 'JH', ñ: 'N', ṭ: 'T', ṭh: 'TH', ḍ: 'D', ḍh: 'DH', ṇ: 'N',
  t: 'T', th: 'TH', d: 'D', dh: 'DH', n: 'N', p: 'P', ph: 'PH', b: 'B', bh: 'BH', m: 'M', y: 'Y', r: 'R', l: 'L', v: 'V', ś: 'SH', ṣ: 'SH',
  s: 'S', h: 'H', ḷ: 'L', ḻ: 'ZH', ṟ: 'R', ṉ: 'N', ẏ: 'Y', ṛ: 'R', ṛh: 'RH', q: 'Q', 'k͟h': 'KH', ġ: 'G', z: 'Z', f: 'F', w: 'W', 'r̆': 'R',
};
const VOWEL_OUT: Record<string, string> = {
  a: 'A', ā: 'A', i: 'I', ī: 'I', u: 'U', ū: 'U', 'r̥': 'RI', 'r̥̄': 'RI', 'l̥': 'LRI', 'l̥̄': 'LRI', e: 'E', ē: 'E', ai: 'AI', o: 'O', ō: 'O', au: 'AU', ê: 'E', ô: 'O',
};
const NASALS = new Set(['ṅ', 'ñ', 'ṇ', 'n', 'ṉ', 'm']);
const STOPS = new Set(['k', 'kh', 'g', 'gh', 'c', 'ch', 'j', 'jh', 'ṭ', 'ṭh', 'ḍ', 'ḍh', 't', 'th', 'd', 'dh', 'p', 'ph', 'b', 'bh']);
const OBSTRUENTS = new Set([...STOPS, 'ś', 'ṣ', 's', 'h', 'q', 'z', 'f', 'k͟h', 'ġ']);
const LABIALS = new Set(['p', 'ph', 'b', 'bh', 'm', 'v']);
/** Tamil has one letter per stop series; sanscript's table reads each as its last (voiced aspirate) entry: க gh, ச jh… */
const TAMIL_STOP: Record<string, string> = { gh: 'k', k: 'k', jh: 'c', 'ḍh': 'ṭ', dh: 't', bh: 'p' };
const TAMIL_OUT = {
  initial: { k: 'K', c: 'S', ṭ: 'T', t: 'TH', p: 'P' }, voiced: { k: 'G', c: 'J', ṭ: 'D', t: 'D', p: 'B' },
  between: { k: 'G', c: 'S', ṭ: 'D', t: 'TH', p: 'P' }, plain: { k: 'K', c: 'CH', ṭ: 'T', t: 'TH', p: 'P' },
  geminateFirst: { k: 'K', c: '', ṭ: 'T', t: '', p: 'P' },
} as const;
type TamilStop = keyof typeof TAMIL_OUT.plain;

interface Syllable { on: string[]; v: string | null; mod: string[]; del: boolean }

// Plain functions, not closures: tsx wraps every arrow function it creates in a naming helper, which showed in profiles.
function isGeminate(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && (a === b || `${a}h` === b);
}
function isVowel(x: string | undefined): boolean {
  return x !== undefined && VOWELS.has(x);
}
function isInherent(s: Syllable): boolean {
  return s.v === 'a' && s.on.length > 0 && s.mod.length === 0;
}
/** Whether ph[from..to) holds a vowel. */
function vowelIn(ph: string[], from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (VOWELS.has(ph[k]!)) return true;
  return false;
}

/** Converts one word of sanscript ISO output (no spaces or punctuation) to bank ASCII. */
export function isoWordToBank(iso: string, script: IndicScript): string {
  const units = iso.match(UNIT) ?? [];
  const tamil = script === 'tamil';
  const syls: Syllable[] = [];
  let onset: string[] = [];
  for (const raw of units) {
    const u = tamil ? (TAMIL_STOP[raw] ?? raw) : raw;
    if (VOWELS.has(u)) { syls.push({ on: onset, v: u, mod: [], del: false }); onset = []; }
    else if (MODS.has(u)) { if (onset.length || !syls.length) { syls.push({ on: onset, v: null, mod: [], del: false }); onset = []; } syls[syls.length - 1]!.mod.push(u); }
    else if (CONS[u] !== undefined) onset.push(u);
  }
  if (onset.length) syls.push({ on: onset, v: null, mod: [], del: false });
  if (!DRAVIDIAN.has(script)) deleteSchwas(syls, script);

  // Flatten to phonemes, each knowing its neighbours.
  const ph: string[] = [];
  for (const s of syls) { ph.push(...s.on); if (s.v && !s.del) ph.push(s.v); ph.push(...s.mod); }
  let out = '';
  for (let i = 0; i < ph.length; i++) out += foldUnit(ph, i, script);
  return finalFixes(out, script);
}

/**
 * Indo-Aryan schwa deletion: the written inherent `a` is not spoken at the end of a word after a single
 * consonant (राजेश → Rajesh), nor in the middle in V C _ C V (रामकुमार → Ramkumar, गुरप्रीत → Gurpreet).
 * Bengali and Odia drop only the final one, and keep it after any cluster (Partha, Prasanta).
 */
function deleteSchwas(syls: Syllable[], script: IndicScript): void {
  const voiced: Syllable[] = [];
  for (const s of syls) if (s.v !== null) voiced.push(s);
  const n = voiced.length;
  if (n < 2) return;
  const last = voiced[n - 1]!;
  if (isInherent(last) && syls[syls.length - 1] === last) {
    const [c1, c2] = last.on;
    if (last.on.length === 1) last.del = true;
    else if (!EASTERN.has(script) && last.on.length === 2) {
      // Hindi drops it after a geminate (Datt), a nasal + stop (Anand, Prashant) or r + consonant (Parth),
      // and keeps it after clusters ending in y, r, v, l or other stops (Aditya, Chandra, Gupta, Krishna).
      last.del = isGeminate(c1, c2) || (NASALS.has(c1!) && STOPS.has(c2!)) || (c1 === 'r' && !['y', 'r', 'v', 'l'].includes(c2!));
    }
  }
  if (EASTERN.has(script)) return;
  for (let i = n - 2; i >= 1; i--) {
    const s = voiced[i]!, prev = voiced[i - 1]!, next = voiced[i + 1]!;
    if (!isInherent(s) || s.on.length !== 1 || prev.mod.length > 0 || next.del) continue;
    // The next onset may be one consonant, or a rising pair such as pr, ty, sv (not a geminate, not r + C).
    const nextOk = next.on.length === 1 || (next.on.length === 2 && next.on[0] !== 'r' && ['r', 'y', 'v', 'l'].includes(next.on[1]!) && !isGeminate(next.on[0], next.on[1]));
    if (nextOk) s.del = true;
  }
}

function foldUnit(ph: string[], i: number, script: IndicScript): string {
  const u = ph[i]!, prev = ph[i - 1], next = ph[i + 1];
  const dravidian = DRAVIDIAN.has(script);
  if (VOWELS.has(u)) {
    if (u !== 'ī') return VOWEL_OUT[u]!;
    // ī: I, or EE where banks usually write it (Gurpreet, Sandeep, Naveen; South Indian Geetha, Seetha).
    let end = ph.length;
    while (end > i + 1 && MODS.has(ph[end - 1]!)) end--;
    if (end === i + 1) return 'I';
    if (script === 'bengali' || script === 'oriya' || script === 'gujarati') return 'I';
    const sriPrefix = i === 2 && (ph[0] === 'ś' || ph[0] === 's') && ph[1] === 'r';
    if (sriPrefix && script !== 'malayalam') return 'I';
    if (script === 'malayalam') return 'EE'; // Sreeja, Satheeshan, Vineetha
    if (next === 'ś' || next === 'ṣ') return 'I'; // Satish, Girish, Jagdish
    // The South also writes EE in a first syllable (Geetha, Seetha, Deepa) but not further in (Sunitha).
    return !vowelIn(ph, i + 1, ph.length) || (dravidian && !vowelIn(ph, 0, i)) ? 'EE' : 'I';
  }
  if (u === 'ṁ' || u === 'm̐') {
    if (next === undefined) return dravidian && u === 'ṁ' ? 'M' : 'N';
    if (LABIALS.has(next)) return 'M';
    if (next === 'h') return dravidian ? 'M' : 'NG'; // Narasimha; सिंह Singh
    return 'N';
  }
  if (u === 'ḥ') return tamilStopOf(next, script) === 'p' ? '' : 'H';
  if (script === 'tamil') {
    const stop = tamilStopOf(u, script);
    if (stop) {
      if (prev === 'ḥ' && stop === 'p') return 'F'; // ஃப
      if (next === u) return TAMIL_OUT.geminateFirst[stop];
      if (prev === undefined) return TAMIL_OUT.initial[stop];
      if (NASALS.has(prev)) return TAMIL_OUT.voiced[stop];
      if (isVowel(prev) && isVowel(next)) return TAMIL_OUT.between[stop];
      if (prev === 'r' && stop === 'k') return 'G';
      return TAMIL_OUT.plain[stop];
    }
    if (u === 'ñ' && prev === undefined) return 'GN'; // ஞானம் Gnanam
    if (u === 'ṟ') return prev === 'ṟ' ? 'TR' : next === 'ṟ' ? '' : prev === 'ṉ' ? 'DR' : 'R';
  }
  if (script === 'malayalam') {
    const afterConsonant = prev !== undefined && CONS[prev] !== undefined;
    if (u === 'ṟ') return next === 'ṟ' ? (afterConsonant ? '' : 'T') : afterConsonant ? 'T' : 'R'; // റ്റ tt, ന്റ nt, സ്റ്റ st
    if (u === 'ṭ' && isVowel(prev) && isVowel(next)) return 'D'; // Idukki, Pazhayidom
  }
  if (u === 'ñ' && next === 'ñ') return 'N';
  if (u === 'ñ' && prev === 'ñ') return 'J'; // ഞ്ഞ
  if (u === 'ñ' && prev === 'j') return dravidian ? 'N' : 'Y'; // ज्ञ: Gyan (North), Jnana (South)
  if (u === 'j' && next === 'ñ' && !dravidian) return 'G';
  if (u === 'c' && next === 'ch') return '';
  if (u === 'c' && next === 'c' && dravidian) return '';
  if (u === 't' && dravidian) return next === 't' ? '' : 'TH'; // Geetha, Santhosh, Muthu
  if (u === 'v') {
    // Ishwar, Swami, Biswas; Punjabi writes ਵ as w after any consonant (Balwinder, Kulwant).
    if (prev !== undefined && (OBSTRUENTS.has(prev) || (script === 'gurmukhi' && CONS[prev] !== undefined))) return 'W';
    return script === 'bengali' ? 'B' : 'V'; // Bengali ব is b (Rabindranath)
  }
  if (u === 'y' && EASTERN.has(script) && (prev === undefined || isVowel(prev))) return 'J'; // য/ଯ: Jadav, Jashoda
  if (u === 'ś' || u === 'ṣ') {
    if (next === 'v' && EASTERN.has(script)) return 'S'; // Biswas, Biswajit
    // Word-initial śr is SR in the South and East (Srinivasa, Sreya), and in North Indian Sri- names (Srinivas) but not Shri alone or Shraddha.
    if (i === 0 && next === 'r' && (dravidian || EASTERN.has(script) || (ph[2] === 'ī' && ph.length > 3))) return 'S';
  }
  return CONS[u] ?? '';
}

function tamilStopOf(u: string | undefined, script: IndicScript): TamilStop | null {
  return script === 'tamil' && u !== undefined && (u === 'k' || u === 'c' || u === 'ṭ' || u === 't' || u === 'p') ? u : null;
}

/**
 * Whole words no letter rule reaches: राव/రావు Rao, నాయుడు Naidu, సాయి Sai, ॐ Om, and the titles the matcher
 * drops (श्रीमती keeps its schwa; डॉ. is Dr). The South's -Y and -IAH endings follow in finalFixes.
 */
const WORD_FIXES = new Map([
  ['RAVU', 'RAO'], ['RAV', 'RAO'], ['NAYUDU', 'NAIDU'], ['SAYI', 'SAI'], ['ON', 'OM'],
  ['SRIMTI', 'SHRIMATI'], ['SRIMAN', 'SHRIMAN'], ['DO', 'DR'], ['DOKTAR', 'DOCTOR'],
]);

function finalFixes(w: string, script: IndicScript): string {
  const fixed = WORD_FIXES.get(w);
  if (fixed) return fixed;
  if (!DRAVIDIAN.has(script)) {
    w = w.replace(/VAL$/, 'WAL'); // the -वाल surnames: Agrawal, Jaiswal, Khandelwal, Dhaliwal, Grewal
    return script === 'gurmukhi' ? w.replace(/([IE])NDAR$/, '$1NDER') : w; // Rajinder, Sukhwinder
  }
  w = w.replace(/(DD|TT|RTH|SAM|SWAM)I$/, '$1Y'); // Reddy, Shetty, Murthy, Ramasamy, Swamy
  return script === 'telugu' || script === 'kannada' ? w.replace(/([^AEIOU])AYYA$/, '$1AIAH') : w; // Ramaiah
}
