import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateNameMatcher, formatNameMatcherEvaluation } from '../../src/name-match/name-match-metrics.js';
import { NAME_MATCH_FLAGS } from '../../src/name-match/name-matcher.js';
import { loadLabelledPairs } from '../helpers/name-match-pairs.js';

const pairs = loadLabelledPairs();

// The first round's categories, then the second round's (docs/name-match/labelling-policy.md).
const CATEGORIES = new Set([
  'exact_format', 'token_order', 'business_legal_form', 'initials', 'middle_name', 'relation_suffix', 'transliteration', 'typo',
  'joined_split', 'different_person_same_surname', 'person_vs_business', 'few_shared_tokens', 'unrelated',
  'honorific_title', 'regional_suffix', 'entity_marker', 'business_word', 'partial_name', 'reversed_names', 'one_letter_names', 'truncated', 'other_script',
]);
// The categories issue 14 names: each needs at least 50 labelled pairs.
const ROUND_TWO = ['joined_split', 'honorific_title', 'regional_suffix', 'relation_suffix', 'entity_marker', 'reversed_names', 'one_letter_names', 'business_word', 'partial_name', 'truncated', 'other_script'];

// Floors the payout team set: no different holder ever called `match`, every category at 95 % or better,
// no_match precision 0.97, same-holder recall 0.90. The bars sit at or above them.
const BARS = { accuracy: 0.97, sameHolderRecall: 0.97, noMatchPrecision: 0.97, noMatchRecall: 0.97, categoryAccuracy: 0.95 };

test('the labelled set is well-formed, at least 1,500 pairs with 50 or more in each named category', () => {
  assert.ok(pairs.length >= 1500, `${pairs.length} pairs`);
  const seen = new Set<string>();
  for (const p of pairs) {
    assert.ok(typeof p.name_1 === 'string' && p.name_1.trim() && typeof p.name_2 === 'string' && p.name_2.trim(), JSON.stringify(p));
    assert.ok(['match', 'close_match', 'no_match'].includes(p.expected), JSON.stringify(p));
    assert.ok(CATEGORIES.has(p.category), `unknown category ${p.category}`);
    for (const f of p.flags ?? []) assert.ok((NAME_MATCH_FLAGS as readonly string[]).includes(f), `unknown flag ${f} in ${JSON.stringify(p)}`);
    const key = `${p.name_1}|${p.name_2}`;
    assert.ok(!seen.has(key), `duplicate ${key}`);
    seen.add(key);
  }
  for (const c of CATEGORIES) assert.ok(pairs.some((p) => p.category === c), `no pairs in ${c}`);
  for (const c of ROUND_TWO) {
    const n = pairs.filter((p) => p.category === c).length;
    assert.ok(n >= 50, `${c} has ${n} pairs`);
  }
});

test('the matcher meets the accuracy bars on the labelled set, per category, and returns the labelled flags', (t) => {
  const e = evaluateNameMatcher(pairs);
  for (const line of formatNameMatcherEvaluation(e).split('\n')) t.diagnostic(line);
  for (const m of e.misses) t.diagnostic(`miss: ${m.expected} → ${m.predicted} (${m.score}) ${m.name_1} | ${m.name_2} [${m.reasons.join(', ')}]`);
  for (const m of e.flagMisses) t.diagnostic(`flags: wanted ${m.flags!.join(',')} got ${m.returned.join(',')}: ${m.name_1} | ${m.name_2}`);

  assert.equal(e.differentHolderMatched, 0, 'a pair labelled no_match was predicted match');
  assert.ok(e.perClass.no_match.precision >= BARS.noMatchPrecision, `no_match precision ${e.perClass.no_match.precision}`);
  // The costly error: a different holder let through as match or close_match.
  assert.ok(e.perClass.no_match.recall >= BARS.noMatchRecall, `different holders let through: ${e.differentHolderAccepted}`);
  assert.ok(e.sameHolderRecall >= BARS.sameHolderRecall, `match+close_match recall ${e.sameHolderRecall}`);
  assert.ok(e.accuracy >= BARS.accuracy, `accuracy ${e.accuracy}`);
  for (const [name, c] of Object.entries(e.perCategory)) assert.ok(c.accuracy >= BARS.categoryAccuracy, `${name} accuracy ${c.accuracy}`);
  assert.equal(e.flagMisses.length, 0, 'labelled flags not returned');
});
