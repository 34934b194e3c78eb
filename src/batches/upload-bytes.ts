import { createHash } from 'node:crypto';
import { AppError } from '../platform/app-error.js';

export const HEAD_BYTES = 64 * 1024;

/**
 * The bytes of an upload (after any Content-Encoding), read once: counted against `maxBytes`, hashed
 * as they are read, with exactly the first HEAD_BYTES kept aside. Everything here depends on the bytes
 * alone, never on how the client or TCP cut them into chunks.
 */
export function createUploadBytes(source: AsyncIterable<Buffer | string>, opts: { maxBytes: number }) {
  const iterator = source[Symbol.asyncIterator]();
  const hash = createHash('sha256');
  const headChunks: Buffer[] = [];
  let headSize = 0;
  let total = 0;
  let ended = false;
  let digest: string | null = null;

  async function read(): Promise<Buffer | null> {
    if (ended) return null;
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      digest = hash.digest('hex');
      return null;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    total += chunk.length;
    if (total > opts.maxBytes) throw new AppError('batch.too_large', `A batch upload may be at most ${opts.maxBytes.toLocaleString('en')} bytes.`);
    hash.update(chunk);
    return chunk;
  }

  return {
    /** Exactly the first HEAD_BYTES bytes (fewer only when the upload is shorter). */
    async head(): Promise<Buffer> {
      while (headSize < HEAD_BYTES) {
        const chunk = await read();
        if (!chunk) break;
        headChunks.push(chunk);
        headSize += chunk.length;
      }
      return Buffer.concat(headChunks).subarray(0, HEAD_BYTES);
    },
    /** Every byte from the start, once: the chunks `head()` read, then the rest. */
    async *chunks(): AsyncGenerator<Buffer> {
      yield* headChunks.splice(0);
      for (;;) {
        const chunk = await read();
        if (!chunk) return;
        yield chunk;
      }
    },
    /** Reads whatever is left without keeping it; returns the digest of the whole upload. */
    async drain(): Promise<string> {
      while (await read());
      return digest!;
    },
    /** SHA-256 (hex) of every byte, once the upload has been read to its end. */
    digest(): string {
      if (digest === null) throw new Error('the upload has not been read to its end');
      return digest;
    },
    get bytes(): number {
      return total;
    },
  };
}

export type UploadBytes = ReturnType<typeof createUploadBytes>;
