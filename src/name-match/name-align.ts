import type { NameToken, ParsedName } from './name-normalize.js';
import { editDistance, phoneticKey, typoDistance } from './name-variants.js';

/**
 * How two tokens (or a token and a run of tokens) were paired, from most to least certain.
 * `spaced` is "D SOUZA" vs "DSOUZA"; `prefix` is a token cut short by a bank's fixed-width name field.
 */
export type PairKind = 'exact' | 'legal' | 'spaced' | 'translit' | 'suffix' | 'joined' | 'typo' | 'initial' | 'prefix';

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
const translit = (s: NameToken, t: NameToken): PairKind | null => (!s.initial && s.key === t.key ? 'translit' : null);
const suffix = (s: NameToken, t: NameToken): PairKind | null =>
  s.stem === null || t.initial || (s.stem !== t.text && phoneticKey(s.stem) !== t.key) ? null : s.stemHonorific ? 'suffix' : 'joined';

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
        if (joined === s.text || key === s.key || (joined.length >= 8 && editDistance(key, s.key, 1) <= 1)) {
          const parts = Array.from({ length: n + 1 }, (_, k) => start + k);
          const spaced = parts.slice(0, -1).every((k) => y.tokens[k]!.initial) && joined === s.text;
          pair(x, [i], y, parts, spaced ? 'spaced' : 'joined', 0, aIsX, out);
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
      const d = typoDistance(s.text, s.key, t.text, t.key);
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

/** x's last token is the start of a free token of y and everything after that in y is free: x was cut. */
function truncationPass(x: Side, xLength: number, y: Side, aIsX: boolean, out: TokenPair[]): void {
  const last = x.tokens.length - 1;
  const s = x.tokens[last];
  if (!s || xLength < MIN_TRUNCATED_LENGTH || x.state[last] !== FREE || s.raw.length < 2) return;
  for (let j = 0; j < y.tokens.length; j++) {
    const t = y.tokens[j]!;
    if (y.state[j] !== FREE || t.raw.length <= s.raw.length || !t.raw.startsWith(s.raw)) continue;
    if (y.state.subarray(j + 1).some((v) => v !== FREE)) continue;
    pair(x, [last], y, [j], 'prefix', 0, aIsX, out);
    for (let k = j + 1; k < y.tokens.length; k++) y.state[k] = TRUNCATED;
    return;
  }
}

/** Pairs the tokens of two names, most certain kinds first, so a weaker rule never steals a better partner. */
export function alignNames(a: ParsedName, b: ParsedName): Alignment {
  const A: Side = { tokens: a.tokens, state: new Uint8Array(a.tokens.length) };
  const B: Side = { tokens: b.tokens, state: new Uint8Array(b.tokens.length) };
  const pairs: TokenPair[] = [];
  pass(A, B, true, pairs, exact);
  pass(A, B, true, pairs, translit);
  joinedPass(A, B, true, pairs);
  joinedPass(B, A, false, pairs);
  pass(A, B, true, pairs, suffix);
  pass(B, A, false, pairs, suffix);
  typoPass(A, B, pairs);
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
