import { GIVEN_NAMES } from './lexicon/given-names.js';
import { SURNAMES } from './lexicon/surnames.js';
import { VARIANT_GROUPS } from './lexicon/variant-groups.js';
import { CURATED_CANON, KNOWN_DISTINCT_NAMES, SAME_KEY_DISTINCT, TOKEN_VARIANTS } from './name-lexicon.js';

// Spellings of one name the lexicon groups (first of each line is canonical): VERGHESE → VARGHESE.
const LEXICON_VARIANTS: ReadonlyMap<string, string> = new Map(
  VARIANT_GROUPS.trim().split('\n').flatMap((line) => {
    const [canon, ...rest] = line.trim().split(/\s+/);
    return canon ? rest.map((v): [string, string] => [v, canon]) : [];
  }),
);

/** The canonical spelling of a whole token (Mohd → MUHAMMAD), or the token itself. */
export function canonicalToken(token: string): string {
  return TOKEN_VARIANTS.get(token) ?? LEXICON_VARIANTS.get(token) ?? token;
}

/** Both tokens are listed spellings of one curated name (MOHD / MOHAMMED, SK / SHAIKH): not a difference. */
export function isCuratedVariant(a: string, b: string): boolean {
  const canon = TOKEN_VARIANTS.get(a) ?? a;
  return CURATED_CANON.has(canon) && canon === (TOKEN_VARIANTS.get(b) ?? b);
}

/**
 * A romanisation-insensitive key: two spellings of one Indian name usually share it
 * (Lakshmi/Laxmi, Preeti/Priti, Sathish/Satish, Gourav/Gaurav, Wasim/Vasim, Kapoor/Kapur).
 * The rules only merge sounds that romanisations of Indic scripts genuinely confuse; they never
 * drop a final vowel, which is what separates Kamal from Kamala.
 */
export function phoneticKey(token: string): string {
  const cached = keyCache.get(token);
  if (cached !== undefined) return cached;
  const key = computeKey(token);
  // Bounded memo: payout batches repeat the same names, and the key is a pure function of the token.
  if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
  keyCache.set(token, key);
  return key;
}

const KEY_CACHE_LIMIT = 20_000;
const keyCache = new Map<string, string>();

function computeKey(token: string): string {
  let s = canonicalToken(token);
  if (!/[A-Z]/.test(s)) return s;
  s = s
    .replace(/EZ$/, 'ES') // Fernandez/Fernandes, before Z is folded into J
    .replace(/[IE]NDER$/, 'ENDRA') // Punjabi Surinder/Bhupinder = Hindi Surendra/Bhupendra
    .replace(/ANDER$/, 'ANDRA') // Chander/Chandra
    .replace(/QUE$/, 'Q') // Farooque/Farooq, Rafique/Rafiq
    .replace(/X/g, 'KS')
    .replace(/PH/g, 'F')
    .replace(/OW(?![AEIOU])/g, 'OU') // Gowri/Gouri, Sowmya/Soumya, Bhowmik/Bhoumik: a diphthong, not a v (Bhawna is Bhavna)
    .replace(/W/g, 'V')
    .replace(/Q/g, 'K')
    .replace(/Z/g, 'J')
    .replace(/([KGJTDB])H/g, '$1')
    .replace(/SH/g, 'S')
    .replace(/CH/g, 'C')
    .replace(/(?!^)Y/g, 'I')
    .replace(/EE/g, 'I')
    .replace(/OO/g, 'U')
    .replace(/AU|OU/g, 'O');
  return s.replace(/(.)\1+/g, '$1');
}

/** The lexicon's lists as words, split once for every module that reads them. */
export const LISTED_GIVEN_NAMES: readonly string[] = GIVEN_NAMES.trim().split(/\s+/);
export const LISTED_SURNAMES: readonly string[] = SURNAMES.trim().split(/\s+/);

const KNOWN_KEYS: ReadonlySet<string> = new Set([...KNOWN_DISTINCT_NAMES, ...LISTED_GIVEN_NAMES, ...LISTED_SURNAMES].map(phoneticKey));

/** Two names the phonetic key cannot tell apart (Das / Dash: Bengali and Odia surnames). */
export const isSameKeyDistinct = (a: string, b: string): boolean => a !== b && SAME_KEY_DISTINCT.has(a < b ? `${a} ${b}` : `${b} ${a}`);

/** The token is a listed given name or surname (or a spelling of one). */
export const isKnownName = (token: string): boolean => KNOWN_KEYS.has(phoneticKey(token));

/** Both are names in their own right (listed, different keys), so one is not a misspelling of the other. */
export function areDistinctKnownNames(keyA: string, keyB: string): boolean {
  return keyA !== keyB && KNOWN_KEYS.has(keyA) && KNOWN_KEYS.has(keyB);
}

// Reused rows: matching runs hot in batch validation, and names are short.
let prevPrev = new Int32Array(64);
let prev = new Int32Array(64);
let curr = new Int32Array(64);

/** Optimal-string-alignment distance (Damerau–Levenshtein with adjacent transpositions), capped at max + 1. */
export function editDistance(a: string, b: string, max: number): number {
  if (a === b) return 0;
  const n = a.length;
  const m = b.length;
  if (Math.abs(n - m) > max) return max + 1;
  if (m + 1 > curr.length) {
    prevPrev = new Int32Array(m + 1);
    prev = new Int32Array(m + 1);
    curr = new Int32Array(m + 1);
  }
  for (let j = 0; j <= m; j++) prev[j] = j;
  for (let i = 1; i <= n; i++) {
    curr[0] = i;
    let rowMin = i;
    const ai = a.charCodeAt(i - 1);
    for (let j = 1; j <= m; j++) {
      const bj = b.charCodeAt(j - 1);
      const cost = ai === bj ? 0 : 1;
      let v = Math.min(prev[j]! + 1, curr[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && ai === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === bj) v = Math.min(v, prevPrev[j - 2]! + 1);
      curr[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    const t = prevPrev;
    prevPrev = prev;
    prev = curr;
    curr = t;
  }
  return prev[m]!;
}

/**
 * A name's shape with what Indic romanisation leaves open folded together: the vowel qualities a/e/o
 * (Varma/Verma, Mahanti/Mohanty), the inherent vowel inside a word (Maheta/Mehta, Kulakarni/Kulkarni),
 * aspiration (Sendil/Senthil), v/b/w (Bijay/Vijay), Bengali ya-phala (Byanarji/Banerjee), a silent
 * final e (Verghese/Vargees) and a few Tamil and Malayalam letters (below). `voicingBlind` also folds
 * k/g, t/d and p/b, which Tamil script does not tell apart (Papu/Babu, Kanesan/Ganesan). A first and a
 * last vowel stay, and i and u stay everywhere: सीता (Sita) is not Sati, कमल (Kamal) is not Kamala.
 * Only for comparing a name converted from a script with a Latin spelling.
 */
export function scriptSkeleton(token: string, voicingBlind = false): string {
  let s = token
    .replace(/TCH/g, 'KSH') // Tamil ட்ச: Meenatchi / Meenakshi
    .replace(/ZH/g, 'L') // Tamil and Malayalam ழ: Pazhani / Palani
    .replace(/AI$/, 'A') // Malayalam ള്ള: Pilla / Pillai
    .replace(/(?<=[^AEIOU])E$/, '')
    .replace(/AU|OU|OW|AW/g, 'O')
    .replace(/EE|II|IE/g, 'I')
    .replace(/OO|UU/g, 'U')
    .replace(/([^AEIOU])Y(?=A)/g, '$1')
    .replace(/(?!^)Y/g, 'I')
    .replace(/X/g, 'KS')
    .replace(/PH/g, 'F')
    .replace(/([KGJTDBPC])H/g, '$1')
    .replace(/SH|C/g, 'S') // Tamil ச is s or ch: Sinnasamy / Chinnasamy
    .replace(/[BVW]/g, 'V')
    .replace(/Q/g, 'K')
    .replace(/Z/g, 'J');
  if (voicingBlind) s = s.replace(/P/g, 'V').replace(/G/g, 'K').replace(/D/g, 'T');
  return s
    .replace(/[AEO]+/g, 'A')
    .replace(/(?<!^)A(?!$)/g, '')
    .replace(/(.)\1+/g, '$1');
}

const VOWEL = /[AEIOU]/;

/**
 * One name is the other plus a final letter that makes a different name: Indian feminine and
 * derived names are built that way (Ankit/Ankita, Vaibhav/Vaibhavi, Sneha/Snehal, Deepa/Deepak).
 * A final -a after a base ending in other letters is the Kannada/Telugu form of the same name
 * (Ramesh/Ramesha, Manjunath/Manjunatha), as are a final -u (Nagaraj/Nagaraju) and -e (Kishor/Kishore).
 */
function addsNameEnding(x: string, y: string): boolean | null {
  const [short, long] = x.length < y.length ? [x, y] : [y, x];
  if (long.length !== short.length + 1 || !long.startsWith(short)) return null;
  const added = long[long.length - 1]!;
  if (added === 'I') return true;
  if (added === 'A') return /[TLDI]$/.test(short);
  // A final H after a vowel is silent in romanisation (Barua/Baruah).
  return !VOWEL.test(added) && !(added === 'H' && VOWEL.test(short[short.length - 1]!));
}

/**
 * The typo distance between two tokens (1 or 2), or 0 when they are not plausibly one name mistyped.
 * Distance 1 needs both tokens ≥ 5 letters; distance 2 needs ≥ 9. Below 8 letters the first letter must
 * agree (Suresh/Naresh, Mohan/Sohan); two distinct common names never count (Ramesh/Rajesh, Patel/Patil),
 * nor does a name and its feminine or derived form (Ankit/Ankita).
 */
export function typoDistance(textA: string, keyA: string, textB: string, keyB: string): 0 | 1 | 2 {
  const minLen = Math.min(textA.length, textB.length);
  if (minLen < 5) return 0;
  if (minLen < 8 && textA[0] !== textB[0]) return 0;
  if (areDistinctKnownNames(keyA, keyB)) return 0;
  // Judge the spelling as written when it is an added ending (Manjunath/Manjunatha), the key otherwise (Aditya/Aditi).
  if (addsNameEnding(textA, textB) ?? addsNameEnding(keyA, keyB)) return 0;
  const max = minLen >= 9 ? 2 : 1;
  const d = Math.min(editDistance(keyA, keyB, max), editDistance(textA, textB, max));
  return d >= 1 && d <= max ? (d as 1 | 2) : 0;
}
