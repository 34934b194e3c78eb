/**
 * A batch's row counts are kept in COUNTER_SHARDS rows, one per shard (docs/decisions/0023). A
 * validation's rows always move on the shard its id hashes to, so workers finishing different
 * validations of one batch update different rows instead of queueing on one.
 *
 * The hash is CRC-32 (IEEE, the one zlib and MySQL's `CRC32()` compute), so SQL can name a
 * validation's shard too (`CRC32(id) % 16`): the migration's backfill and the tests use that.
 * Changing COUNTER_SHARDS re-homes every validation: it needs a migration that re-buckets the shard
 * rows of unfinished batches (the backfill of 20261129000001 shows how).
 */
export const COUNTER_SHARDS = 16;

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 of a string's UTF-8 bytes. */
export function crc32(text: string): number {
  const bytes = /^[\x00-\x7f]*$/.test(text) ? null : new TextEncoder().encode(text);
  const length = bytes ? bytes.length : text.length;
  let c = 0xffffffff;
  for (let i = 0; i < length; i++) c = TABLE[(c ^ (bytes ? bytes[i]! : text.charCodeAt(i))) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The counter shard a validation's rows are counted on. */
export function shardOf(validationId: string): number {
  return crc32(validationId) % COUNTER_SHARDS;
}

/** Rows per shard for a list of (validation id, rows) pairs: what one ingest chunk adds to `expected`. */
export function rowsPerShard(rows: Iterable<{ validationId: string; rows: number }>): Map<number, number> {
  const perShard = new Map<number, number>();
  for (const r of rows) {
    const shard = shardOf(r.validationId);
    perShard.set(shard, (perShard.get(shard) ?? 0) + r.rows);
  }
  return perShard;
}
