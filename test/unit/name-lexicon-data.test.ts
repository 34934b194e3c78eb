import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DISTINCT_PAIRS } from '../../src/name-match/lexicon/distinct-pairs.js';
import { GIVEN_NAMES } from '../../src/name-match/lexicon/given-names.js';
import { SURNAMES } from '../../src/name-match/lexicon/surnames.js';
import { VARIANT_GROUPS } from '../../src/name-match/lexicon/variant-groups.js';
import { candidatePairs, lexiconWords, pairId } from '../../src/name-match/lexicon/candidate-pairs.js';
import { CONNECTORS, HONORIFICS, LEGAL_CANON, TOKEN_VARIANTS } from '../../src/name-match/name-lexicon.js';

// The lexicon data (src/name-match/lexicon/, docs/name-match/lexicon-sources.md): list hygiene, and the rule
// that every near pair of names has been decided, as one name (a variant group) or two (distinct-pairs.ts).

const given = lexiconWords(GIVEN_NAMES);
const surnames = lexiconWords(SURNAMES);
const listed = new Set([...given, ...surnames]);

const groups = VARIANT_GROUPS.trim().split('\n').map((line) => lexiconWords(line));
const groupOf = new Map<string, number>();
groups.forEach((members, i) => {
  for (const m of members) if (!groupOf.has(m)) groupOf.set(m, i);
});
const sameGroup = (a: string, b: string): boolean => groupOf.has(a) && groupOf.get(a) === groupOf.get(b);

const distinctLines = DISTINCT_PAIRS.trim().split('\n').map((line) => lexiconWords(line));
const distinct = new Set(distinctLines.map(([a, b]) => pairId(a!, b!)));

const duplicates = (words: string[]): string[] => words.filter((w, i) => words.indexOf(w) !== i);

// Words that are never a person's name: salutations, legal forms, connectors, relation words.
const RELATION_WORDS = 'SO DO WO CO HO SON DAUGHTER WIFE HUSBAND CARE OF ALIAS URF LATE MINOR GUARDIAN'.split(' ');
const NOISE = new Set([...HONORIFICS, ...LEGAL_CANON.keys(), ...CONNECTORS, ...RELATION_WORDS]);

test('the lists are big enough', () => {
  assert.ok(given.length >= 3000, `${given.length} given names`);
  assert.ok(surnames.length >= 1200, `${surnames.length} surnames`);
  assert.ok(groups.length >= 100, `${groups.length} variant groups`);
});

test('entries are one upper-case A–Z word of at least two letters, listed once', () => {
  for (const [name, list] of [['GIVEN_NAMES', given], ['SURNAMES', surnames]] as const) {
    const bad = list.filter((w) => !/^[A-Z]{2,}$/.test(w));
    assert.deepEqual(bad, [], `${name}: not A–Z`);
    assert.deepEqual(duplicates(list), [], `${name}: duplicates`);
    assert.deepEqual(list.filter((w) => NOISE.has(w)), [], `${name}: titles, legal or relation words`);
  }
});

test('a token used as both given name and surname is in both lists; a family name only in SURNAMES', () => {
  const givenSet = new Set(given);
  const surnameSet = new Set(surnames);
  for (const both of ['KUMAR', 'THOMAS', 'JOSEPH', 'PRASAD', 'GEORGE', 'MATHEW', 'SUBRAMANIAN']) {
    assert.ok(givenSet.has(both) && surnameSet.has(both), both);
  }
  for (const family of ['SHARMA', 'PATIL', 'NAIR', 'IYER', 'REDDY', 'MUKHERJEE', 'PATNAIK', 'BARUAH', 'SIDDIQUI', 'DSOUZA']) {
    assert.ok(surnameSet.has(family) && !givenSet.has(family), family);
  }
  for (const name of ['SUNITA', 'SUNITHA', 'SATISH', 'SATHISH', 'LAKSHMINARAYAN', 'VARGHESE', 'THOMAS', 'ABDUL', 'GURPREET']) {
    assert.ok(givenSet.has(name), name);
  }
});

test('variant groups: listed names, one group each, canonicals agree with TOKEN_VARIANTS', () => {
  const members = groups.flat();
  assert.deepEqual(duplicates(members), [], 'a spelling in more than one group (or twice in one)');
  for (const g of groups) {
    assert.ok(g.length >= 2, `a group needs two spellings: ${g.join(' ')}`);
    for (const m of g) assert.ok(listed.has(m), `${m} (group ${g[0]}) is not in GIVEN_NAMES or SURNAMES`);
    for (const m of g) {
      const canon = TOKEN_VARIANTS.get(m);
      if (canon !== undefined) assert.equal(g[0], canon, `${m} is a TOKEN_VARIANTS spelling of ${canon}`);
    }
  }
});

test('distinct pairs: two listed names per line, never one variant group, listed once', () => {
  for (const line of distinctLines) {
    assert.equal(line.length, 2, `not a pair: ${line.join(' ')}`);
    const [a, b] = line as [string, string];
    assert.ok(a !== b && listed.has(a) && listed.has(b), `${a} ${b}: both must be listed names`);
    assert.ok(!sameGroup(a, b), `${a} ${b} is both a variant group and a distinct pair`);
  }
  assert.equal(distinct.size, distinctLines.length, 'a pair is listed twice');
});

test('every candidate pair is decided: one variant group, or a distinct pair', () => {
  const pairs = candidatePairs(listed);
  assert.ok(pairs.length > 1000, `${pairs.length} candidates: is the rule still computing?`);
  const undecided = pairs.filter((p) => !sameGroup(p.a, p.b) && !distinct.has(pairId(p.a, p.b)));
  assert.deepEqual(
    undecided.slice(0, 20).map((p) => `${p.a} ${p.b}`),
    [],
    `${undecided.length} undecided pairs; run node --import tsx scripts/lexicon-candidates.ts --undecided`,
  );
});

test('spot checks: variants are grouped, different names are distinct pairs', () => {
  for (const [a, b] of [
    ['VARGHESE', 'VERGHESE'], ['VARGHESE', 'VARGIS'], ['SATYANARAYANA', 'SATYANARAYAN'], ['MANJUNATH', 'MANJUNATHA'],
    ['BISWANATH', 'VISHWANATH'], ['JASWANT', 'YASHWANT'], ['FAIZAL', 'FAISAL'], ['KAMAKSHI', 'KAMATCHI'],
    ['PRADEEP', 'PARDEEP'], ['CHAKRABORTY', 'CHAKRAVARTY'], ['SUNDAR', 'SUNDER'], ['MATHEW', 'MATHEWS'],
  ]) {
    assert.ok(sameGroup(a!, b!), `${a}/${b} should be one variant group`);
  }
  for (const [a, b] of [
    ['RAWAL', 'RAWAT'], ['ANUSHA', 'ANUSHKA'], ['KAMAL', 'KAMALA'], ['ANKIT', 'ANKITA'], ['PATEL', 'PATIL'],
    ['MEHRA', 'MEHTA'], ['RAJESH', 'RAMESH'], ['NITESH', 'NITISH'], ['SAJEEV', 'SANJEEV'], ['VARMA', 'VERMA'],
  ]) {
    assert.ok(distinct.has(pairId(a!, b!)), `${a}/${b} should be a distinct pair`);
    assert.ok(!sameGroup(a!, b!), `${a}/${b} must not be grouped`);
  }
});
