import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createBodySlots } from '../../src/platform/body-slots.js';

describe('createBodySlots', () => {
  it('hands out at most `capacity` slots; a release (even repeated) frees exactly one', () => {
    const slots = createBodySlots(2);
    const a = slots.tryAcquire();
    const b = slots.tryAcquire();
    assert.ok(a && b);
    assert.equal(slots.tryAcquire(), null);
    a();
    a();
    assert.equal(slots.inUse(), 1);
    assert.ok(slots.tryAcquire());
    assert.equal(slots.tryAcquire(), null);
  });

  it('never exceeds capacity nor goes negative, whatever the order of acquires and releases', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(fc.nat({ max: 9 }), { maxLength: 200 }), (capacity, ops) => {
        const slots = createBodySlots(capacity);
        const held: Array<() => void> = [];
        for (const op of ops) {
          if (op < 5) {
            const r = slots.tryAcquire();
            assert.equal(r === null, held.length >= capacity);
            if (r) held.push(r);
          } else if (held.length) {
            held.splice(op % held.length, 1)[0]!();
          }
          assert.equal(slots.inUse(), held.length);
        }
      }),
    );
  });
});
