import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { createDecoder, parseContentEncoding } from '../../src/platform/content-encoding.js';
import { AppError } from '../../src/platform/app-error.js';

describe('parseContentEncoding', () => {
  it('accepts none, identity, gzip (and x-gzip), deflate and br, in any case', () => {
    assert.equal(parseContentEncoding(undefined), 'identity');
    assert.equal(parseContentEncoding(''), 'identity');
    assert.equal(parseContentEncoding('Identity'), 'identity');
    assert.equal(parseContentEncoding('GZIP'), 'gzip');
    assert.equal(parseContentEncoding(' x-gzip '), 'gzip');
    assert.equal(parseContentEncoding('deflate'), 'deflate');
    assert.equal(parseContentEncoding('br'), 'br');
  });

  it('refuses every other coding, and stacked codings, with 415 request.unsupported_content_encoding', () => {
    for (const value of ['compress', 'zstd', 'gzip, br', 'gzip,gzip', 'identity;q=1', 'brotli']) {
      assert.throws(() => parseContentEncoding(value), (e: unknown) => e instanceof AppError && e.code === 'request.unsupported_content_encoding' && e.status === 415, value);
    }
  });

  it('decoders inflate what the matching encoder produced', async () => {
    const decoder = createDecoder('gzip');
    const out: Buffer[] = [];
    decoder.on('data', (c: Buffer) => out.push(c));
    const done = new Promise((resolve) => decoder.once('end', resolve));
    decoder.end(gzipSync(Buffer.from('{"a":1}')));
    await done;
    assert.equal(Buffer.concat(out).toString(), '{"a":1}');
  });
});
