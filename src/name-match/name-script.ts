// Indic-script names → the upper-case ASCII "bank spelling" the matcher compares (राजेश कुमार → RAJESH KUMAR).
// sanscript supplies the letter tables (each script → ISO 15919); name-script-rules.ts turns that into what a
// bank types: schwa deletion, Tamil voicing, nukta/addak/chillu handling, ś → SH, ī → I/EE…
// Decision: docs/decisions/0031-indic-transliteration.md. Pure apart from a bounded memo.
import Sanscript from '@indic-transliteration/sanscript';
import { isoWordToBank, SCRIPT_BY_BLOCK, type IndicScript } from './name-script-rules.js';

export type { IndicScript } from './name-script-rules.js';

/** Any character of the nine Brahmic blocks from Devanagari (U+0900) to Malayalam (U+0D7F). */
const INDIC = /[\u0900-\u0D7F]/;
/** A run starts at an Indic character and takes the joiners (ZWJ/ZWNJ) inside or after it. */
const RUN = /[\u0900-\u0D7F][\u0900-\u0D7F\u200C\u200D]*/g;
// English letters whose names take two or more Indic letters, as written for initials (एस = S, आर = R).
const LETTER_NAMES = new Map([['ES', 'S'], ['EM', 'M'], ['EL', 'L'], ['EN', 'N'], ['AR', 'R'], ['AAR', 'R'], ['EF', 'F'], ['ECH', 'H'], ['EKS', 'X']]);
const DANDA = 0x964;
const DOUBLE_DANDA = 0x965;
const ZWNJ = 0x200c;
const ZWJ = 0x200d;

// The sanscript build is CommonJS (module.exports = Sanscript); depending on interop the default import is
// the object itself or a namespace holding it.
type SanscriptApi = { t(data: string, from: string, to: string): string };
const sanscript: SanscriptApi = ((Sanscript as unknown as { default?: SanscriptApi }).default ?? Sanscript) as SanscriptApi;

/** True when `s` holds any Devanagari, Bengali, Gurmukhi, Gujarati, Odia, Tamil, Telugu, Kannada or Malayalam character. */
export function hasIndicScript(s: string): boolean {
  return INDIC.test(s);
}

export interface BankLatin {
  /** `s` with every Indic-script run replaced by upper-case bank-style ASCII; everything else as it was. */
  text: string;
  /** The scripts that were converted, sorted, without repeats; empty when nothing was. */
  scripts: IndicScript[];
}

/**
 * Converts every run of Indic-script characters in `s` to the spelling a bank would register
 * (रमेश → RAMESH, ਗੁਰਪ੍ਰੀਤ ਸਿੰਘ → GURPREET SINGH, ராமசாமி → RAMASAMY), leaving Latin letters, digits,
 * spaces and punctuation untouched. The script is read per character from its Unicode block, so mixed
 * input ("Ramesh कुमार", or two scripts in one string) works. Latin-only input is returned as is.
 */
export function toBankLatin(s: string): BankLatin {
  if (!INDIC.test(s)) return { text: s, scripts: [] };
  const seen = new Set<IndicScript>();
  const text = s.replace(RUN, (run: string, at: number) => {
    const latin = convertRun(run, seen);
    // Before a full stop, one letter or an English letter's name is an initial (க. பழனிசாமி → K. PALANISAMY,
    // के. एस. → K. S.), not the syllable KA or the word ES.
    if (s[at + run.length] !== '.') return latin;
    return LETTER_NAMES.get(latin) ?? (/^\p{L}\p{M}*$/u.test(run) ? latin.slice(0, 1) : latin);
  });
  return { text, scripts: [...seen].sort() };
}

/** Splits a run where the block changes; dandas become full stops, stray joiners disappear. */
function convertRun(run: string, seen: Set<IndicScript>): string {
  let out = '';
  let i = 0;
  while (i < run.length) {
    const cp = run.charCodeAt(i);
    if (cp === DANDA || cp === DOUBLE_DANDA) { out += '.'; i++; continue; }
    if (cp === ZWNJ || cp === ZWJ) { i++; continue; }
    const block = (cp - 0x900) >> 7;
    let j = i + 1;
    for (; j < run.length; j++) {
      const c = run.charCodeAt(j);
      if (c === DANDA || c === DOUBLE_DANDA) break;
      if (c !== ZWNJ && c !== ZWJ && (c - 0x900) >> 7 !== block) break;
    }
    const script = SCRIPT_BY_BLOCK[block]!;
    seen.add(script);
    out += convertWord(run.slice(i, j), script);
    i = j;
  }
  return out;
}

// Before sanscript: spellings its tables do not cover (NFC text, one script).

// NFC splits nukta letters (फ़, ড়, ਸ਼, ଡ଼) into base + nukta; sanscript only knows the precomposed ones.
const NUKTA_PAIR = /[\u0900-\u0D7F][\u093C\u09BC\u0A3C\u0ABC\u0B3C\u0C3C\u0CBC\u0D3C]/g;
const COMPOSED = new Map<string, string>([['\u0922\u093C', '\u095C\u094D\u0939']]); // ढ़ → ड़्ह (its table entry never matches)
for (let cp = 0x900; cp < 0xd80; cp++) {
  const c = String.fromCodePoint(cp);
  const d = c.normalize('NFD');
  if (d.length === 2 && /[\u093C\u09BC\u0A3C\u0ABC\u0B3C\u0CBC]/.test(d[1]!) && !COMPOSED.has(d)) COMPOSED.set(d, c);
}
const GURMUKHI_ASPIRATES = new Set('ਖਘਛਝਠਢਥਧਫਭ');

const PRE: Partial<Record<IndicScript, Array<[RegExp, string | ((m: string, ...g: string[]) => string)]>>> = {
  gurmukhi: [
    // Addak doubles the next consonant (Gill, Dhillon, Bhatti); banks write an aspirate once (Sidhu, Sukha).
    [/\u0A71([\u0A15-\u0A39\u0A59-\u0A5E])/g, (_m, c: string) => (GURMUKHI_ASPIRATES.has(c) ? c : `${c}\u0A4D${c}`)],
    [/\u0A72\u0A3F/g, 'ਇ'], [/\u0A72\u0A40/g, 'ਈ'], [/\u0A72\u0A47/g, 'ਏ'], [/\u0A73\u0A41/g, 'ਉ'], [/\u0A73\u0A42/g, 'ਊ'], [/\u0A73\u0A4B/g, 'ਓ'],
    [/\u0A72/g, 'ਇ'], [/\u0A73/g, 'ਉ'], [/[\u0A71\u0A75]/g, ''],
  ],
  bengali: [[/\u09CE/g, 'ত্'], [/\u09F0/g, 'র'], [/\u09F1/g, 'ব'], [/\u09D7/g, '\u09CC']],
  oriya: [[/\u0B71/g, '\u0B35'], [/\u0B57/g, '\u0B4C'], [/\u0B56/g, '\u0B48']],
  tamil: [[/\u0BD7/g, '\u0BCC']],
  telugu: [[/\u0C56/g, '\u0C48'], [/\u0C58/g, 'చ'], [/\u0C59/g, 'జ']],
  kannada: [[/\u0CD6/g, '\u0CC8'], [/\u0CD5/g, '']],
  malayalam: [
    // Chillus (ൻ ർ ൽ ൾ ൺ ൿ, and the rarer ൔ ൕ ൖ, dot reph ൎ) are a consonant without its vowel.
    [/[\u0D7A-\u0D7F\u0D54-\u0D56\u0D4E]/g, (c) => `${'ണനരലളകമയഴര'['\u0D7A\u0D7B\u0D7C\u0D7D\u0D7E\u0D7F\u0D54\u0D55\u0D56\u0D4E'.indexOf(c)]}\u0D4D`],
    [/\u0D57/g, '\u0D4C'], [/\u0D29/g, 'ന'], [/\u0D3A/g, 'ട'],
  ],
};

function composeNukta(m: string): string {
  return COMPOSED.get(m) ?? m[0]!;
}

function preNormalize(word: string, script: IndicScript): string {
  let s = word.replace(/[\u200C\u200D]/g, '').replace(NUKTA_PAIR, composeNukta);
  for (const [re, to] of PRE[script] ?? []) s = typeof to === 'string' ? s.replace(re, to) : s.replace(re, to);
  return s;
}

// Payout batches repeat the same names: each distinct word pays for sanscript once. The word decides
// its script, so it is the whole key. Cleared rather than evicted, as phoneticKey's memo is.
const MEMO_LIMIT = 20_000;
const memo = new Map<string, string>();

function convertWord(word: string, script: IndicScript): string {
  const hit = memo.get(word);
  if (hit !== undefined) return hit;
  const iso = sanscript.t(preNormalize(word.normalize('NFC'), script), script, 'iso').normalize('NFC');
  // Letters (with their ISO diacritics) are converted word by word; digits stay; anything sanscript left
  // unconverted that is not a letter (avagraha, Vedic signs, symbols) is dropped.
  const text = iso.replace(/[\p{L}\p{M}]+/gu, (w) => isoWordToBank(w, script)).replace(/[^A-Z0-9]/g, '');
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(word, text);
  return text;
}

/** For tests and benchmarks: forget memoised words. */
export function clearBankLatinMemo(): void {
  memo.clear();
}
