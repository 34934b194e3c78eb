import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { newId } from '../../src/platform/ids.js';
import { COUNTER_SHARDS, crc32, rowsPerShard, shardOf } from '../../src/batches/counter-shard.js';

test('crc32 is the IEEE CRC-32 (the check value, and zlib on any string)', () => {
  assert.equal(crc32('123456789'), 0xcbf43926);
  assert.equal(crc32(''), 0);
  const reference = (zlib as unknown as { crc32?: (data: string | Uint8Array) => number }).crc32;
  if (!reference) return; // zlib.crc32 arrived in Node 20.15
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (s) => crc32(s) === reference(Buffer.from(s, 'utf8'))), { numRuns: 2000 });
});

test('shardOf is deterministic and in range', () => {
  for (let i = 0; i < 1000; i++) {
    const id = newId('val');
    const s = shardOf(id);
    assert.ok(Number.isInteger(s) && s >= 0 && s < COUNTER_SHARDS, `${id} → ${s}`);
    assert.equal(shardOf(id), s);
  }
  // Pinned: the migration's backfill computes the same shard in SQL (CRC32(id) % 16).
  assert.equal(shardOf('val_01JDQ0000000000000000000AB'), crc32('val_01JDQ0000000000000000000AB') % 16);
});

test('ids made in the same millisecond spread over every shard', () => {
  const counts = new Array<number>(COUNTER_SHARDS).fill(0);
  const n = 16_000;
  for (let i = 0; i < n; i++) counts[shardOf(newId('val'))]!++;
  // Expected 1,000 each; a fair hash stays far inside ±25 % (σ ≈ 31).
  for (const c of counts) assert.ok(c > 750 && c < 1250, JSON.stringify(counts));
});

test('rowsPerShard sums rows by shard', () => {
  const rows = Array.from({ length: 300 }, (_, i) => ({ validationId: newId('val'), rows: (i % 3) + 1 }));
  const per = rowsPerShard(rows);
  assert.equal([...per.values()].reduce((a, b) => a + b, 0), rows.reduce((a, r) => a + r.rows, 0));
  for (const [shard, n] of per) assert.equal(n, rows.filter((r) => shardOf(r.validationId) === shard).reduce((a, r) => a + r.rows, 0));
});
