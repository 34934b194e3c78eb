// The rule that decides which lexicon pairs need a human decision (variant spelling or a different name).
// Shared by scripts/lexicon-candidates.ts, which prints the pairs, and by the lexicon data test, which
// checks that every pair has been decided in variant-groups.ts or distinct-pairs.ts.

import { editDistance, phoneticKey } from '../name-variants.js';

/** Splits a whitespace-separated lexicon string into its entries. */
export function lexiconWords(text: string): string[] {
  const t = text.trim();
  return t === '' ? [] : t.split(/\s+/);
}

/** The maximum optimal-string-alignment distance at which two entries are a candidate pair. */
export const CANDIDATE_MAX_DISTANCE = 2;

export interface CandidatePair {
  /** The alphabetically smaller entry. */
  a: string;
  b: string;
  keyA: string;
  keyB: string;
  /** OSA distance of the spellings, capped at CANDIDATE_MAX_DISTANCE + 1. */
  textDistance: number;
  /** OSA distance of the phonetic keys, capped at CANDIDATE_MAX_DISTANCE + 1. */
  keyDistance: number;
}

/** Every string obtained from s by deleting at most `max` characters (s itself included). */
function deletions(s: string, max: number, out: Set<string>): void {
  out.add(s);
  if (max === 0 || s.length === 0) return;
  for (let i = 0; i < s.length; i++) {
    const d = s.slice(0, i) + s.slice(i + 1);
    if (!out.has(d)) deletions(d, max - 1, out);
  }
}

/**
 * Pairs of distinct entries whose phonetic keys differ and that the matcher's typo rule would
 * otherwise read as one name mistyped (`typoDistance` in name-variants.ts): both at least 5 letters,
 * the same first letter below 8, and spellings or keys within OSA distance 1 (2 from 9 letters up).
 * Only those pairs need a decision: shorter or farther names are never typos of each other anyway.
 * Two strings within OSA distance 2 always share a string reachable from each by at
 * most two deletions (a substitution or a transposition costs one deletion on each side), so a
 * symmetric-deletion index finds every pair without comparing all n² of them.
 */
export function candidatePairs(names: Iterable<string>): CandidatePair[] {
  const list = [...new Set(names)].sort();
  const keys = list.map((n) => phoneticKey(n));
  const pairIds = new Set<number>();
  const n = list.length;
  for (const strings of [list, keys]) {
    const index = new Map<string, number[]>();
    const scratch = new Set<string>();
    strings.forEach((s, i) => {
      scratch.clear();
      deletions(s, CANDIDATE_MAX_DISTANCE, scratch);
      for (const d of scratch) {
        const bucket = index.get(d);
        if (bucket === undefined) index.set(d, [i]);
        else if (bucket[bucket.length - 1] !== i) bucket.push(i);
      }
    });
    for (const bucket of index.values()) {
      for (let x = 0; x < bucket.length; x++) {
        for (let y = x + 1; y < bucket.length; y++) pairIds.add(bucket[x]! * n + bucket[y]!);
      }
    }
  }
  const out: CandidatePair[] = [];
  for (const id of pairIds) {
    const i = Math.floor(id / n);
    const j = id % n;
    const keyA = keys[i]!;
    const keyB = keys[j]!;
    if (keyA === keyB) continue;
    const a = list[i]!;
    const b = list[j]!;
    if (isCandidate(a, b, keyA, keyB)) {
      out.push({ a, b, keyA, keyB, textDistance: editDistance(a, b, CANDIDATE_MAX_DISTANCE), keyDistance: editDistance(keyA, keyB, CANDIDATE_MAX_DISTANCE) });
    }
  }
  return out.sort((p, q) => (p.a < q.a ? -1 : p.a > q.a ? 1 : p.b < q.b ? -1 : p.b > q.b ? 1 : 0));
}

/** The candidate rule for one pair (see candidatePairs). */
export function isCandidate(a: string, b: string, keyA: string, keyB: string): boolean {
  if (keyA === keyB) return false;
  const minLength = Math.min(a.length, b.length);
  if (minLength < 5 || (minLength < 8 && a[0] !== b[0])) return false;
  const max = minLength >= 9 ? 2 : 1;
  return editDistance(a, b, max) <= max || editDistance(keyA, keyB, max) <= max;
}

/** Order-independent identity of a pair of entries. */
export function pairId(a: string, b: string): string {
  return a < b ? `${a} ${b}` : `${b} ${a}`;
}
