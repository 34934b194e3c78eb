import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedMap } from '../../src/partners/simulator/sim-provider.js';

test('BoundedMap forgets its oldest entries first, across many evictions, deletions and a clear', () => {
  const m = new BoundedMap<string, number>(1000);
  for (let i = 0; i < 5000; i++) m.set(`k${i}`, i);
  assert.equal(m.size, 1000);
  assert.equal(m.has('k3999'), false);
  assert.equal(m.get('k4000'), 4000);
  assert.equal(m.get('k4999'), 4999);
  // Updating a key it holds evicts nothing; deleting one leaves room without evicting.
  m.set('k4000', -1);
  assert.equal(m.size, 1000);
  m.delete('k4500');
  m.set('new', 1);
  assert.equal(m.has('k4001'), true);
  // The next insert evicts the oldest live entry (k4000, updated in place, keeps its age).
  m.set('newer', 2);
  assert.equal(m.has('k4000'), false);
  assert.equal(m.has('k4001'), true);
  assert.deepEqual([...m.keys()].slice(0, 2), ['k4001', 'k4002']);
  m.clear();
  for (let i = 0; i < 1500; i++) m.set(`c${i}`, i);
  assert.equal(m.size, 1000);
  assert.equal(m.has('c499'), false);
  assert.equal(m.has('c500'), true);
});
