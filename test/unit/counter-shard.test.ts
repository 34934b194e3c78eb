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

test('shardDeltas: a group of changes nets to one move per batch and shard, rows weighted by duplicates', async () => {
  const { shardDeltas } = await import('../../src/batches/batch-counters.js');
  const v = (id: string, batchId: string | null, batchRowCount = 1) => ({ id, batchId, batchRowCount }) as never;
  const a = newId('val');
  const b = newId('val');
  const changes = [
    { v: v(a, 'bat_1', 3), from: 'queued', to: 'processing' },
    { v: v(b, 'bat_1'), from: 'processing', to: 'completed' },
    { v: v(b, 'bat_2'), from: 'processing', to: 'failed' },
    { v: v(newId('val'), null), from: 'queued', to: 'processing' },
    { v: v(a, 'bat_1'), from: 'processing', to: 'processing' },
  ] as const;
  const byBatch = shardDeltas(changes as never);
  assert.deepEqual([...byBatch.keys()].sort(), ['bat_1', 'bat_2']);
  const one = byBatch.get('bat_1')!;
  const total = { queued: 0, processing: 0, completed: 0, failed: 0 };
  for (const d of one.values()) for (const k of Object.keys(total) as Array<keyof typeof total>) total[k] += d[k];
  assert.deepEqual(total, { queued: -3, processing: 2, completed: 1, failed: 0 });
  assert.deepEqual(one.get(shardOf(a)), shardOf(a) === shardOf(b) ? { queued: -3, processing: 2, completed: 1, failed: 0 } : { queued: -3, processing: 3, completed: 0, failed: 0 });
  assert.deepEqual(byBatch.get('bat_2')!.get(shardOf(b)), { queued: 0, processing: -1, completed: 0, failed: 1 });
  // Property: every batch's deltas sum to zero (rows move, they are never created or lost).
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom('queued', 'processing', 'completed', 'failed'), fc.constantFrom('queued', 'processing', 'completed', 'failed'), fc.integer({ min: 1, max: 5 })), { maxLength: 50 }), (moves) => {
      const deltas = shardDeltas(moves.map(([from, to, rows]) => ({ v: v(newId('val'), 'bat_x', rows), from, to })) as never);
      let sum = 0;
      for (const d of deltas.get('bat_x')?.values() ?? []) sum += d.queued + d.processing + d.completed + d.failed;
      return sum === 0;
    }),
  );
});
