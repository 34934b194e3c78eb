import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchNames } from '../../src/name-match/simple-name-match.js';

test('not_checked when either side is null or blank', () => {
  assert.deepEqual(matchNames(null, 'Ravi Kumar'), { score: null, result: 'not_checked' });
  assert.deepEqual(matchNames('Ravi Kumar', null), { score: null, result: 'not_checked' });
  assert.deepEqual(matchNames('   ', 'Ravi Kumar'), { score: null, result: 'not_checked' });
  assert.deepEqual(matchNames('Ravi Kumar', ''), { score: null, result: 'not_checked' });
});

test('identical names ignoring case, order, punctuation and honorifics match at 100', () => {
  assert.deepEqual(matchNames('Ravi Kumar', 'RAVI KUMAR'), { score: 100, result: 'match' });
  assert.deepEqual(matchNames('Kumar, Ravi', 'Mr. Ravi Kumar'), { score: 100, result: 'match' });
  assert.deepEqual(matchNames('Smt. Lakshmi Devi', 'LAKSHMI DEVI'), { score: 100, result: 'match' });
  assert.deepEqual(matchNames("D'Souza Anita", 'ANITA DSOUZA'), { score: 100, result: 'match' });
  assert.deepEqual(matchNames('M/S Sharma Traders', 'SHARMA TRADERS'), { score: 100, result: 'match' });
});

test('an initial matches a full token at half weight', () => {
  // common = 1 (KUMAR) + 0.5 (R~RAVI) → 2*1.5/4 = 75
  assert.deepEqual(matchNames('R Kumar', 'Ravi Kumar'), { score: 75, result: 'close_match' });
  assert.deepEqual(matchNames('R. Kumar', 'Kumar Ravi'), { score: 75, result: 'close_match' });
  // an initial must agree with the first letter
  assert.deepEqual(matchNames('S Kumar', 'Ravi Kumar'), { score: 50, result: 'no_match' });
});

test('extra or missing tokens lower the score', () => {
  // 2*2/5 = 80
  assert.deepEqual(matchNames('Ravi Kumar', 'Ravi Kumar Sharma'), { score: 80, result: 'close_match' });
  // 2*3/7 ≈ 86
  assert.deepEqual(matchNames('Ravi Kumar Sharma', 'Ravi Kumar Sharma Iyer'), { score: 86, result: 'close_match' });
  assert.deepEqual(matchNames('Anita Desai', 'Ravi Kumar'), { score: 0, result: 'no_match' });
});

test('tokens are compared as multisets', () => {
  // one KUMAR on the left can only pair with one on the right: 2*2/5 = 80
  assert.deepEqual(matchNames('Kumar Kumar', 'Kumar Kumar Ravi').score, 80);
  assert.deepEqual(matchNames('Kumar', 'Kumar Kumar').score, 67);
});

test('the M in M/S is not taken for an initial', () => {
  assert.deepEqual(matchNames('M/S Mehta', 'Mehta'), { score: 100, result: 'match' });
  assert.deepEqual(matchNames('M Mehta', 'Mohan Mehta'), { score: 75, result: 'close_match' });
});

test('non-Latin scripts are tokenised too', () => {
  assert.deepEqual(matchNames('रवि कुमार', 'कुमार रवि'), { score: 100, result: 'match' });
});
