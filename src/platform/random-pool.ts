import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 64 * 1024;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let offset = POOL_BYTES;

/**
 * Cryptographically random bytes, drawn from a pool refilled 64 kB at a time. Each call to the
 * system CSPRNG costs a few microseconds whatever its size, which dominated per-row work when a
 * million-row batch needs an id and an IV per row. Returns a copy, never a view into the pool.
 */
export function randomBytesPooled(n: number): Buffer {
  if (n > POOL_BYTES) return randomFillSync(Buffer.alloc(n));
  if (offset + n > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const out = Buffer.from(pool.subarray(offset, offset + n));
  offset += n;
  return out;
}
