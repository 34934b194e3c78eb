import type { NameToken, ParsedName } from './name-normalize.js';
import { areDistinctKnownNames, canonicalToken, isCuratedVariant, isKnownName, isSameKeyDistinct, phoneticKey, scriptSkeleton, typoDistance } from './name-variants.js';

/**
 * How two tokens (or a token and a run of tokens) were paired, from most to least certain.
 * `spaced` is "D SOUZA" vs "DSOUZA"; `curated` a listed abbreviation or spelling (MOHD / MUHAMMAD, SRI / SHREE);
 * `split` one given name written as two words, same letters (LAKSHMI NARAYAN / LAKSHMINARAYAN); `joined` the
 * same with a spelling change; `prefix` is a token cut short by a bank's fixed-width name field.
 */
export type PairKind = 'exact' | 'legal' | 'spaced' | 'curated' | 'translit' | 'suffix' | 'split' | 'joined' | 'typo' | 'initial' | 'prefix';

export interface TokenPair { a: number[]; b: number[]; kind: PairKind; distance: number }

export const FREE = 0;
export const PAIRED = 1;
/** Cut off by truncation of the other side: neither evidence for nor against. */
export const TRUNCATED = 2;

export interface Alignment { pairs: TokenPair[]; stateA: Uint8Array; stateB: Uint8Array }

// Names shorter than this are not assumed to have been cut by a fixed-width field.
const MIN_TRUNCATED_LENGTH = 20;
const MAX_JOINED_PARTS = 3;

type Side = { tokens: NameToken[]; state: Uint8Array };

function pair(x: Side, i: number[], y: Side, j: number[], kind: PairKind, distance: number, aIsX: boolean, out: TokenPair[]): void {
  for (const k of i) x.state[k] = PAIRED;
  for (const k of j) y.state[k] = PAIRED;
  out.push(aIsX ? { a: i, b: j, kind, distance } : { a: j, b: i, kind, distance });
}

/** One pass pairing each free token of x with the first free token of y the test accepts. */
function pass(x: Side, y: Side, aIsX: boolean, out: TokenPair[], test: (s: NameToken, t: NameToken) => PairKind | null): void {
  for (let i = 0; i < x.tokens.length; i++) {
    if (x.state[i] !== FREE) continue;
    const s = x.tokens[i]!;
    for (let j = 0; j < y.tokens.length; j++) {
      if (y.state[j] !== FREE) continue;
      const kind = test(s, y.tokens[j]!);
      if (kind) {
        pair(x, [i], y, [j], kind, 0, aIsX, out);
        break;
      }
    }
  }
}

const exact = (s: NameToken, t: NameToken): PairKind | null => (s.text !== t.text ? null : s.raw === t.raw ? 'exact' : 'legal');
const translit = (s: NameToken, t: NameToken): PairKind | null =>
  s.initial || s.key !== t.key || isSameKeyDistinct(canonicalToken(s.raw), canonicalToken(t.raw)) || isSameKeyDistinct(s.raw, t.raw)
    ? null
    : isCuratedVariant(s.raw, t.raw) ? 'curated' : 'translit';
const isMale = (t: NameToken) => /(?:BHAI|KUMAR)$/.test(t.raw);
const isFemale = (t: NameToken) => /(?:BEN|BAHEN|BEHN|BAI)$/.test(t.raw) && !t.raw.endsWith('BHAI');

/**
 * A name with a suffix against the bare name: RAMESHBHAI / RAMESH is a `suffix` (respect, not name);
 * HIRENKUMAR / HIREN, a spelling change on the way (BHAVNABEN / BHAWNA) or two suffixes
 * (HIRENBHAI / HIRENKUMAR) are `joined`.
 */
const suffix = (s: NameToken, t: NameToken): PairKind | null => {
  if (s.stem === null || t.initial) return null;
  if (s.stem === t.text) return s.stemHonorific ? 'suffix' : 'joined';
  // Two suffixes on one stem, but not a man's against a woman's (Kiranbhai / Kiranben are two people).
  const bothSuffixed = t.stem !== null && s.stem === t.stem && !(isMale(s) && isFemale(t)) && !(isFemale(s) && isMale(t));
  return phoneticKey(s.stem) === t.key || bothSuffixed ? 'joined' : null;
};

// A business word's grammatical forms: its plural (PRODUCT / PRODUCTS), and listed agent and activity
// forms of one trade (TRANSPORT / TRANSPORTERS, ENGINEERS / ENGINEERING). Not every -ER/-ING pair is one
// word: a market is not marketing, holders are not holdings.
const TRADE_FORMS = new Map([
  ['TRANSPORTER', 'TRANSPORT'], ['EXPORTER', 'EXPORT'], ['IMPORTER', 'IMPORT'], ['ENGINEERING', 'ENGINEER'], ['MANUFACTURER', 'MFG'],
  ['MANUFACTURING', 'MFG'], ['SUPPLIER', 'SUPPLY'], ['PRINTING', 'PRINTER'], ['CATERING', 'CATERER'], ['CONSTRUCTION', 'CONSTRUCTION'], ['TRADING', 'TRADER'],
  ['FABRICATION', 'FABRICATOR'], ['PACKAGING', 'PACKAGER'],
]);
function businessStem(w: string): string {
  const s = w.length > 4 ? w.replace(/IES$/, 'Y').replace(/(?<!S)S$/, '') : w;
  return TRADE_FORMS.get(s) ?? s;
}
const sameBusinessWord = (s: NameToken, t: NameToken): PairKind | null =>
  (s.business || t.business) && !s.initial && !t.initial && businessStem(s.raw) === businessStem(t.raw) ? 'legal' : null;

/** A single token of x written as two or three consecutive tokens of y ("ABDULRAHMAN" / "ABDUL RAHMAN"). */
function joinedPass(x: Side, y: Side, aIsX: boolean, out: TokenPair[]): void {
  for (let i = 0; i < x.tokens.length; i++) {
    const s = x.tokens[i]!;
    if (x.state[i] !== FREE || s.initial || s.text.length < 3) continue;
    search: for (let start = 0; start < y.tokens.length; start++) {
      let joined = '';
      for (let n = 0; n < MAX_JOINED_PARTS && start + n < y.tokens.length; n++) {
        if (y.state[start + n] !== FREE) break;
        joined += y.tokens[start + n]!.text;
        if (n === 0) continue;
        if (joined.length > s.text.length + 2) break;
        const key = phoneticKey(joined);
        // Same letters, same sounds, or (long names) one letter off the way a typo is: not two listed
        // names, nor a name and its feminine form (Ramdev / Rama Devi, Sivasankar / Siva Sankari).
        if (joined === s.text || key === s.key || (joined.length >= 8 && typoDistance(joined, key, s.text, s.key) === 1)) {
          const parts = Array.from({ length: n + 1 }, (_, k) => start + k);
          const spaced = parts.slice(0, -1).every((k) => y.tokens[k]!.initial) && joined === s.text;
          pair(x, [i], y, parts, spaced ? 'spaced' : joined === s.text ? 'split' : 'joined', 0, aIsX, out);
          break search;
        }
      }
    }
  }
}

function typoPass(x: Side, y: Side, out: TokenPair[]): void {
  for (let i = 0; i < x.tokens.length; i++) {
    const s = x.tokens[i]!;
    if (x.state[i] !== FREE || s.initial || s.legal) continue;
    let best = -1;
    let bestD = 3;
    for (let j = 0; j < y.tokens.length; j++) {
      const t = y.tokens[j]!;
      if (y.state[j] !== FREE || t.initial || t.legal) continue;
      // HUSSAINBHAI / HASANBHAI: the names under the same suffix are what differ.
      const stems = s.stem !== null && t.stem !== null && s.raw.endsWith(t.raw.slice(t.stem.length)) && s.raw.length - s.stem.length === t.raw.length - t.stem.length;
      const d = stems ? typoDistance(s.stem!, phoneticKey(s.stem!), t.stem!, phoneticKey(t.stem!)) : typoDistance(s.text, s.key, t.text, t.key);
      if (d > 0 && d < bestD) [best, bestD] = [j, d];
    }
    if (best >= 0) pair(x, [i], y, [best], 'typo', bestD, true, out);
  }
}

/** An initial stands for the free full token starting with that letter, nearest in relative position. */
function initialPass(x: Side, y: Side, aIsX: boolean, out: TokenPair[]): void {
  for (let i = 0; i < x.tokens.length; i++) {
    const s = x.tokens[i]!;
    if (x.state[i] !== FREE || !s.initial) continue;
    let best = -1;
    let bestGap = Infinity;
    for (let j = 0; j < y.tokens.length; j++) {
      const t = y.tokens[j]!;
      if (y.state[j] !== FREE || t.initial || t.legal || t.text[0] !== s.text) continue;
      const gap = Math.abs(i / x.tokens.length - j / y.tokens.length);
      if (gap < bestGap) [best, bestGap] = [j, gap];
    }
    if (best >= 0) pair(x, [i], y, [best], 'initial', 0, aIsX, out);
  }
}

/**
 * x's last token is the start of the token of y in the same place, and everything after that in y is
 * free: x was cut. The place counts x's unpaired words since its last paired one, so in "… KUTTY KU"
 * against "… KUNJU KUNNUMMAL" the stub stands for KUNNUMMAL and KUTTY faces KUNJU.
 * Below 20 characters only when the stub is not a name itself (GUPT is cut; RAM is a name, not RAMESH).
 */
function truncationPass(x: Side, xLength: number, y: Side, aIsX: boolean, out: TokenPair[]): void {
  const last = x.tokens.length - 1;
  const s = x.tokens[last];
  if (!s || x.state[last] !== FREE || s.raw.length < 2) return;
  if (xLength < MIN_TRUNCATED_LENGTH && (last === 0 || s.raw.length < 4 || isKnownName(s.raw))) return;
  const lastPairedX = x.state.findLastIndex((v) => v !== FREE);
  const lastPairedY = y.state.findLastIndex((v) => v !== FREE);
  const j = lastPairedY + 1 + (last - lastPairedX - 1);
  const t = y.tokens[j];
  if (!t || t.raw.length <= s.raw.length || !t.raw.startsWith(s.raw)) return;
  // A short name ending in a trade word is that word, not a cut (Krishna Market is not Krishna Marketing).
  if (xLength < MIN_TRUNCATED_LENGTH && s.business) return;
  pair(x, [last], y, [j], 'prefix', 0, aIsX, out);
  for (let k = j + 1; k < y.tokens.length; k++) y.state[k] = TRUNCATED;
}

/**
 * Two spellings the script cannot tell apart: an a/e swap in one place, how Hindi's inherent vowel is
 * written (Varma/Verma), or a y between vowels, how Malayalam writes Nair (നായർ, Nayar).
 */
function scriptAmbiguity(x: string, y: string): boolean {
  return x.replace(/AYA/g, 'AI') === y.replace(/AYA/g, 'AI') || onlyAEswap(x, y);
}

function onlyAEswap(x: string, y: string): boolean {
  if (x.length !== y.length) return false;
  let diff = 0;
  for (let i = 0; i < x.length; i++) {
    if (x[i] === y[i]) continue;
    if (++diff > 1 || !((x[i] === 'A' && y[i] === 'E') || (x[i] === 'E' && y[i] === 'A'))) return false;
  }
  return diff === 1;
}

/**
 * `long` is `short` with one letter more: an i or u inside (Tamil's written vowel), or, when `finalA`,
 * a final a (an inherent vowel the Latin spelling dropped: Sushanta / Sushant).
 */
function oneVowelMore(short: string, long: string, finalA: boolean): boolean {
  if (long.length !== short.length + 1) return false;
  if (finalA && long.endsWith('A') && long.slice(0, -1) === short) return true;
  for (let i = 1; i < long.length - 1; i++) {
    if ((long[i] === 'I' || long[i] === 'U') && long.slice(0, i) + long.slice(i + 1) === short) return true;
  }
  return false;
}

/**
 * A name converted from an Indic script against a Latin spelling of it: the same skeleton (वर्मा is
 * Varma or Verma), or one vowel more in a long one (Suppiramaniyan / Subramanian, Sushanta / Sushant),
 * unless both are listed names of their own (कमल is Kamal, not Komal or Kamala). A consonant more or
 * less is another name (Pradipta / Pradeep).
 */
function scriptVariant(voicingBlind: boolean, finalSchwa: ScriptContext['finalSchwa'], convertedIsA: boolean) {
  return (s: NameToken, t: NameToken): PairKind | null => {
    if (s.initial || t.initial || s.raw.length < 3 || t.raw.length < 3 || isSameKeyDistinct(canonicalToken(s.raw), canonicalToken(t.raw))) return null;
    const distinct = areDistinctKnownNames(s.key, t.key);
    const [x, y] = [scriptSkeleton(s.raw, voicingBlind), scriptSkeleton(t.raw, voicingBlind)];
    // Two listed names whose skeletons agree are still two names (चेतन is Chetan, not Sathyan; कमल is
    // Kamal, not Komal): only Hindi's a/e (Varma/Verma) is the script's own ambiguity.
    if (x === y) return distinct && !scriptAmbiguity(s.raw, t.raw) ? null : 'curated';
    const [short, long] = x.length < y.length ? [x, y] : [y, x];
    // A final a counts only on the converted side (ಬಸವರಾಜ, Basavaraja, is Basavaraj), never on the Latin
    // one (ಚೇತನ್ is Chetan, not Chetana), and not for Malayalam, which marks a final consonant (അജിത is Ajitha).
    const finalA = finalSchwa === 'either' || (finalSchwa === 'converted' && (long === x) === convertedIsA);
    return long.length >= 4 && !distinct && oneVowelMore(short, long, finalA) ? 'curated' : null;
  };
}

/**
 * Pairs the tokens of two names, most certain kinds first, so a weaker rule never steals a better partner.
 * `script`: one side (not both) was transliterated from an Indic script, so romanisation variants pair
 * too (`voicingBlind` when that script was Tamil). Two converted names are compared as converted: the
 * same script gives the same letters.
 */
export interface ScriptContext {
  oneSideConverted: boolean;
  bothConverted: boolean;
  /** The converted side is `a` (the expected name). */
  convertedIsA: boolean;
  /** Tamil: k/g, t/d, p/b are one letter. */
  voicingBlind: boolean;
  /**
   * A final inherent vowel one side may lack: on `either` side for Bengali and Odia, which leave it
   * unwritten (Subrata / Subrat); only on the `converted` side for Kannada and Telugu, which write it
   * and whose Latin spellings often drop it (Basavaraja / Basavaraj).
   */
  finalSchwa: 'none' | 'either' | 'converted';
}

export function alignNames(a: ParsedName, b: ParsedName, script: ScriptContext | null = null): Alignment {
  const A: Side = { tokens: a.tokens, state: new Uint8Array(a.tokens.length) };
  const B: Side = { tokens: b.tokens, state: new Uint8Array(b.tokens.length) };
  const pairs: TokenPair[] = [];
  pass(A, B, true, pairs, exact);
  pass(A, B, true, pairs, sameBusinessWord);
  // Two names converted from a script were written letter by letter: a sound-alike is another name (धारा, दारा).
  if (!script?.bothConverted) pass(A, B, true, pairs, translit);
  if (script?.oneSideConverted) pass(A, B, true, pairs, scriptVariant(script.voicingBlind, script.finalSchwa, script.convertedIsA));
  joinedPass(A, B, true, pairs);
  joinedPass(B, A, false, pairs);
  pass(A, B, true, pairs, suffix);
  pass(B, A, false, pairs, suffix);
  // Two native names differ letter by letter: a "typo" between them is another name (Simranjeet, Simranpreet).
  if (!script?.bothConverted) typoPass(A, B, pairs);
  initialPass(A, B, true, pairs);
  initialPass(B, A, false, pairs);
  truncationPass(A, a.length, B, true, pairs);
  truncationPass(B, b.length, A, false, pairs);
  return { pairs, stateA: A.state, stateB: B.state };
}

/** The paired tokens appear in a different order on the two sides. */
export function orderDiffers(pairs: readonly TokenPair[]): boolean {
  const sorted = [...pairs].sort((p, q) => p.a[0]! - q.a[0]!);
  for (let k = 1; k < sorted.length; k++) if (sorted[k]!.b[0]! < sorted[k - 1]!.b[0]!) return true;
  return false;
}
