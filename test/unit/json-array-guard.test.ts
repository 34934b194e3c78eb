import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createArrayLengthGuard } from '../../src/platform/json-array-guard.js';

/** Feeds `text` in chunks of `size` bytes; true when the guard let all of it through. */
function passes(text: string, max: number, size = 7): boolean {
  const guard = createArrayLengthGuard(max);
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += size) if (!guard(bytes.subarray(i, i + size))) return false;
  return true;
}

describe('createArrayLengthGuard', () => {
  it('stops at the first top-level field array longer than max, whatever the chunking', () => {
    const items = (n: number) => JSON.stringify({ reference_id: 'x', items: Array.from({ length: n }, (_, i) => ({ vpa: `a${i}@ok`, tags: [1, 2, 3] })) });
    assert.equal(passes(items(3), 3), true);
    assert.equal(passes(items(4), 3), false);
    assert.equal(passes(items(4), 3, 1), false);
    assert.equal(passes(JSON.stringify({ items: [1, 'two', null, true, [5], { six: 6 }] }), 6), true);
    assert.equal(passes(JSON.stringify({ items: [1, 'two', null, true, [5], { six: 6 }] }), 5), false);
  });

  it('ignores brackets, braces, commas and quotes inside strings, and nested arrays', () => {
    assert.equal(passes(JSON.stringify({ items: ['a,b,c', '[1,2,3]', 'q\\"u"o,te'], metadata: { k: '[,,,]' } }), 3), true);
    assert.equal(passes(JSON.stringify({ items: [[1, 2, 3, 4, 5], { list: [1, 2, 3, 4, 5] }] }), 2), true);
    assert.equal(passes('{"items" : [ ]}', 0), true);
  });

  it('counts exactly what JSON.parse sees, for any JSON object of arrays', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 5 }), fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 12 })), fc.nat({ max: 12 }), fc.integer({ min: 1, max: 9 }), (obj, max, size) => {
        const longest = Math.max(0, ...Object.values(obj).map((a) => a.length));
        assert.equal(passes(JSON.stringify(obj), max, size), longest <= max);
      }),
    );
  });
});
