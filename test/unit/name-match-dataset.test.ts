import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { evaluateNameMatcher, formatNameMatcherEvaluation, type LabelledNamePair } from '../../src/name-match/name-match-metrics.js';

const pairs = JSON.parse(readFileSync(new URL('../fixtures/name-match/labelled-pairs.json', import.meta.url), 'utf8')) as LabelledNamePair[];

const CATEGORIES = new Set([
  'exact_format', 'token_order', 'business_legal_form', 'initials', 'middle_name', 'relation_suffix', 'transliteration', 'typo',
  'joined_split', 'different_person_same_surname', 'person_vs_business', 'few_shared_tokens', 'unrelated',
]);

// Bars sit a little under what the matcher achieves (accuracy 99.7%, no_match recall 98.9%, the rest 100%),
// never under the floor the payout team set: no_match precision 0.97, same-holder recall 0.90, accuracy 0.85.
const BARS = { accuracy: 0.98, sameHolderRecall: 0.98, noMatchPrecision: 0.98, noMatchRecall: 0.975, categoryAccuracy: 0.95 };

test('the labelled set is well-formed', () => {
  assert.ok(pairs.length >= 300, `${pairs.length} pairs`);
  const seen = new Set<string>();
  for (const p of pairs) {
    assert.ok(typeof p.name_1 === 'string' && p.name_1.trim() && typeof p.name_2 === 'string' && p.name_2.trim(), JSON.stringify(p));
    assert.ok(['match', 'close_match', 'no_match'].includes(p.expected), JSON.stringify(p));
    assert.ok(CATEGORIES.has(p.category), `unknown category ${p.category}`);
    const key = `${p.name_1}|${p.name_2}`;
    assert.ok(!seen.has(key), `duplicate ${key}`);
    seen.add(key);
  }
  for (const c of CATEGORIES) assert.ok(pairs.some((p) => p.category === c), `no pairs in ${c}`);
});

test('the matcher meets the accuracy bars on the labelled set', (t) => {
  const e = evaluateNameMatcher(pairs);
  for (const line of formatNameMatcherEvaluation(e).split('\n')) t.diagnostic(line);
  for (const m of e.misses) t.diagnostic(`miss: ${m.expected} → ${m.predicted} (${m.score}) ${m.name_1} | ${m.name_2} [${m.reasons.join(', ')}]`);

  assert.equal(e.differentHolderMatched, 0, 'a pair labelled no_match was predicted match');
  assert.ok(e.perClass.no_match.precision >= BARS.noMatchPrecision, `no_match precision ${e.perClass.no_match.precision}`);
  // The costly error: a different holder let through as match or close_match.
  assert.ok(e.perClass.no_match.recall >= BARS.noMatchRecall, `different holders let through: ${e.differentHolderAccepted}`);
  assert.ok(e.sameHolderRecall >= BARS.sameHolderRecall, `match+close_match recall ${e.sameHolderRecall}`);
  assert.ok(e.accuracy >= BARS.accuracy, `accuracy ${e.accuracy}`);
  for (const [name, c] of Object.entries(e.perCategory)) assert.ok(c.accuracy >= BARS.categoryAccuracy, `${name} accuracy ${c.accuracy}`);
});
