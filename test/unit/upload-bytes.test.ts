import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { createUploadBytes, HEAD_BYTES } from '../../src/batches/upload-bytes.js';
import { uploadQuery } from '../../src/batches/upload-params.js';
import { AppError } from '../../src/platform/app-error.js';

async function* pieces(buf: Buffer, sizes: number[]): AsyncGenerator<Buffer> {
  for (let at = 0, i = 0; at < buf.length; i++) {
    const n = sizes[i % sizes.length]!;
    yield buf.subarray(at, at + n);
    at += n;
  }
}

describe('upload bytes', () => {
  it('head, chunks and digest depend on the bytes alone, never on how they were cut', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 3 * HEAD_BYTES }), fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 5 }), async (size, sizes) => {
        const body = Buffer.alloc(size, 'ab,\n');
        const bytes = createUploadBytes(pieces(body, sizes), { maxBytes: 10 * HEAD_BYTES });
        const head = await bytes.head();
        assert.deepEqual(head, body.subarray(0, HEAD_BYTES));
        const seen: Buffer[] = [];
        for await (const c of bytes.chunks()) seen.push(c);
        assert.deepEqual(Buffer.concat(seen), body);
        assert.equal(bytes.digest(), createHash('sha256').update(body).digest('hex'));
      }),
      { numRuns: 60 },
    );
  });

  it('drain() reads the rest for the digest; past maxBytes is 413 batch.too_large', async () => {
    const body = Buffer.alloc(200_000, 'x');
    const bytes = createUploadBytes(pieces(body, [4096]), { maxBytes: 300_000 });
    await bytes.head();
    assert.equal(await bytes.drain(), createHash('sha256').update(body).digest('hex'));
    const small = createUploadBytes(pieces(body, [4096]), { maxBytes: 100_000 });
    await assert.rejects(small.drain(), (err: unknown) => err instanceof AppError && err.code === 'batch.too_large');
  });
});

describe('upload query parameters', () => {
  it('takes reference_id, webhook_url and max_age once each and names anything else', () => {
    assert.deepEqual(uploadQuery({ reference_id: 'r-1', max_age: '60' }), { referenceId: 'r-1', webhookUrl: null, maxAgeText: '60' });
    const field = (q: Record<string, unknown>) => {
      try {
        uploadQuery(q);
        return 'accepted';
      } catch (err) {
        assert.ok(err instanceof AppError && err.code === 'request.invalid');
        return String(err.details?.field);
      }
    };
    assert.equal(field({ colour: 'blue' }), 'colour');
    assert.equal(field({ reference_id: ['a', 'b'] }), 'reference_id');
    // A parameter name that could be an account number is not echoed.
    assert.equal(field({ '501000123456789': '' }), 'query');
  });
});
