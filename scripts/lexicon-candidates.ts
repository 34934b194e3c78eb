// Prints the lexicon's candidate pairs: entries of GIVEN_NAMES ∪ SURNAMES whose phonetic keys differ
// and which the matcher's typo rule would otherwise read as one name mistyped (src/name-match/lexicon/candidate-pairs.ts).
// Each pair must be decided by hand: a spelling of the same name goes into a line of variant-groups.ts,
// a different name into distinct-pairs.ts. test/unit/name-lexicon-data.test.ts fails while any pair is
// undecided, so add names first, run this, then decide what it reports.
//
//   node --import tsx scripts/lexicon-candidates.ts               every pair, with its decision
//   node --import tsx scripts/lexicon-candidates.ts --undecided   only the pairs still to decide
//   node --import tsx scripts/lexicon-candidates.ts --verify      also re-derive the pairs by brute force
//   add --pairs to print only `A B`, the distinct-pairs.ts line format (paste the ones judged different)
//
// Output: tab-separated `a  b  keyA  keyB  textDistance  keyDistance  decision`, decision being
// `variant`, `distinct` or `UNDECIDED`. The exit code is 1 when some pair is undecided.

import { DISTINCT_PAIRS } from '../src/name-match/lexicon/distinct-pairs.js';
import { GIVEN_NAMES } from '../src/name-match/lexicon/given-names.js';
import { SURNAMES } from '../src/name-match/lexicon/surnames.js';
import { VARIANT_GROUPS } from '../src/name-match/lexicon/variant-groups.js';
import { candidatePairs, isCandidate, lexiconWords, pairId } from '../src/name-match/lexicon/candidate-pairs.js';
import { phoneticKey } from '../src/name-match/name-variants.js';

const args = new Set(process.argv.slice(2));
const names = [...new Set([...lexiconWords(GIVEN_NAMES), ...lexiconWords(SURNAMES)])].sort();

const groupOf = new Map<string, number>();
VARIANT_GROUPS.trim().split('\n').forEach((line, i) => {
  for (const w of lexiconWords(line)) groupOf.set(w, i);
});
const distinct = new Set<string>();
for (const line of DISTINCT_PAIRS.trim().split('\n')) {
  const [a, b] = lexiconWords(line);
  if (a !== undefined && b !== undefined) distinct.add(pairId(a, b));
}

const started = performance.now();
const pairs = candidatePairs(names);
const elapsed = performance.now() - started;

let undecided = 0;
const counts = { variant: 0, distinct: 0 };
const out: string[] = [];
for (const p of pairs) {
  const ga = groupOf.get(p.a);
  let decision: string;
  if (ga !== undefined && ga === groupOf.get(p.b)) decision = 'variant';
  else if (distinct.has(pairId(p.a, p.b))) decision = 'distinct';
  else decision = 'UNDECIDED';
  if (decision === 'UNDECIDED') undecided++;
  else counts[decision as 'variant' | 'distinct']++;
  if (!args.has('--undecided') || decision === 'UNDECIDED') {
    out.push(args.has('--pairs') ? `${p.a} ${p.b}` : [p.a, p.b, p.keyA, p.keyB, p.textDistance, p.keyDistance, decision].join('\t'));
  }
}
process.stdout.write(out.length > 0 ? `${out.join('\n')}\n` : '');
process.stderr.write(
  `${names.length} names, ${pairs.length} candidate pairs in ${elapsed.toFixed(0)} ms: ` +
    `${counts.variant} variant, ${counts.distinct} distinct, ${undecided} undecided\n`,
);

if (args.has('--verify')) {
  // The deletion index must find exactly what comparing every pair finds.
  const keys = names.map((n) => phoneticKey(n));
  const brute = new Set<string>();
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      if (isCandidate(names[i]!, names[j]!, keys[i]!, keys[j]!)) brute.add(pairId(names[i]!, names[j]!));
    }
  }
  const fast = new Set(pairs.map((p) => pairId(p.a, p.b)));
  const missing = [...brute].filter((id) => !fast.has(id));
  const extra = [...fast].filter((id) => !brute.has(id));
  process.stderr.write(`verify: brute force ${brute.size} pairs, missing ${missing.length}, extra ${extra.length}\n`);
  if (missing.length > 0 || extra.length > 0) process.exitCode = 2;
}
if (undecided > 0 && process.exitCode === undefined) process.exitCode = 1;
