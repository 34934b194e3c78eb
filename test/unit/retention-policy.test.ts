import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isRetentionDays, retentionBound, retentionCutoff } from '../../src/privacy/retention-policy.js';
import { purgedEventPayload, purgedValues } from '../../src/privacy/purge-plan.js';
import { newId } from '../../src/platform/ids.js';

describe('retention policy', () => {
  it('accepts whole days from 31 to 3650 only', () => {
    for (const ok of [31, 180, 3650]) assert.equal(isRetentionDays(ok), true);
    for (const bad of [30, 0, -31, 3651, 31.5, '180', null, Number.NaN]) assert.equal(isRetentionDays(bad), false, String(bad));
  });

  it('bounds ids exactly at the cutoff: created before it is below the bound, at or after it is not', () => {
    const now = new Date('2026-12-01T00:00:00.000Z');
    const cutoff = retentionCutoff(now, 31);
    assert.equal(cutoff.toISOString(), '2026-10-31T00:00:00.000Z');
    const bound = retentionBound('val', now, 31);
    const realNow = Date.now;
    try {
      Date.now = () => cutoff.getTime() - 1;
      const before = newId('val');
      Date.now = () => cutoff.getTime();
      const at = newId('val');
      assert.ok(before < bound, 'a millisecond before the cutoff is past retention');
      assert.ok(at >= bound, 'the cutoff millisecond itself is kept');
    } finally {
      Date.now = realNow;
    }
  });
});

describe('purge plan', () => {
  it('nulls every personal column of a validation and stamps purged_at', () => {
    const now = new Date();
    const v = purgedValues('validations', now);
    assert.equal(v.purged_at, now);
    for (const c of ['account_ciphertext', 'account_blind_index', 'vpa', 'expected_name', 'registered_name', 'metadata', 'reference_id']) assert.equal(v[c], null, c);
  });

  it('stubs an event down to its type, time and object, from its columns alone', () => {
    const stub = JSON.parse(purgedEventPayload({ objectId: 'val_X', livemode: true, type: 'validation.completed', createdAt: new Date('2026-01-01T00:00:00.000Z') }, new Date('2026-06-01T00:00:00.000Z')));
    assert.deepEqual(stub, { type: 'validation.completed', timestamp: '2026-01-01T00:00:00.000Z', data: { id: 'val_X', object: 'validation', livemode: true, purged_at: '2026-06-01T00:00:00.000Z' } });
  });
});
