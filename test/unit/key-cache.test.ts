import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cachedKeyLookup } from '../../src/tenants/key-cache.js';
import type { AuthenticatedKey } from '../../src/tenants/tenant-store.js';

const key: AuthenticatedKey = { keyId: 'key_1', tenantId: 'ten_1', mode: 'live', actor: 'api_key:key_1' };

function harness(ttlMs: number) {
  let clock = 1_000;
  let lookups = 0;
  let answer: AuthenticatedKey | undefined = key;
  const find = cachedKeyLookup(
    async () => {
      lookups++;
      await new Promise((r) => setImmediate(r));
      return answer;
    },
    { ttlMs, maxEntries: 2, now: () => clock },
  );
  return {
    find,
    lookups: () => lookups,
    advance: (ms: number) => (clock += ms),
    revoke: () => (answer = undefined),
  };
}

describe('cached key lookup', () => {
  it('serves an active key from memory until its time is up, then asks again', async () => {
    const h = harness(1000);
    assert.deepEqual(await h.find('h1'), key);
    assert.deepEqual(await h.find('h1'), key);
    assert.equal(h.lookups(), 1);
    h.revoke();
    h.advance(999);
    assert.deepEqual(await h.find('h1'), key, 'still trusted within the TTL');
    h.advance(2);
    assert.equal(await h.find('h1'), undefined, 'revoked once the TTL passed');
    assert.equal(h.lookups(), 2);
  });

  it('never keeps a miss: an unknown key is looked up every time', async () => {
    const h = harness(1000);
    h.revoke();
    assert.equal(await h.find('h1'), undefined);
    assert.equal(await h.find('h1'), undefined);
    assert.equal(h.lookups(), 2);
  });

  it('concurrent misses of one key share a lookup', async () => {
    const h = harness(1000);
    const found = await Promise.all([h.find('h1'), h.find('h1'), h.find('h1')]);
    assert.deepEqual(found, [key, key, key]);
    assert.equal(h.lookups(), 1);
  });

  it('holds at most maxEntries keys, dropping the oldest', async () => {
    const h = harness(1000);
    await h.find('h1');
    await h.find('h2');
    await h.find('h3');
    assert.equal(h.lookups(), 3);
    await h.find('h3');
    await h.find('h2');
    assert.equal(h.lookups(), 3, 'the two newest are kept');
    await h.find('h1');
    assert.equal(h.lookups(), 4, 'the oldest was dropped');
  });

  it('ttlMs 0 reads MySQL on every request', async () => {
    const h = harness(0);
    await h.find('h1');
    await h.find('h1');
    assert.equal(h.lookups(), 2);
  });
});
