import type { IncomingMessage } from 'node:http';
import type { Readable, Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { AppError } from '../platform/app-error.js';

const DECODERS: ReadonlyMap<string, () => Transform> = new Map([
  ['gzip', createGunzip],
  ['x-gzip', createGunzip],
  ['deflate', createInflate],
  ['br', createBrotliDecompress],
]);

/**
 * The body of a CSV upload as it was before any Content-Encoding: gzip, deflate or br are decoded as a
 * stream, so memory stays bounded (BATCH_MAX_BYTES is counted on the decoded bytes downstream).
 * Anything else, stacked encodings included, is a 415. `pipe`, not `pipeline`: a body that does not
 * decode must not destroy the request, whose socket still has to carry the 400.
 */
export function decodedBody(req: IncomingMessage): Readable {
  const encoding = (req.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return req;
  const decoder = DECODERS.get(encoding)?.();
  if (!decoder) {
    throw new AppError('request.unsupported_content_encoding', 'A CSV upload may be sent as is or with Content-Encoding gzip, deflate or br.');
  }
  req.once('error', (err) => decoder.destroy(err));
  decoder.once('error', () => req.unpipe(decoder));
  return req.pipe(decoder);
}

/** A decoder's failure as the client's error (zlib's own message is not for clients); anything else as is. */
export function asUploadError(err: unknown): unknown {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && /^(Z_|ERR_BROTLI|ERR_ZLIB)/.test(code)) {
    return new AppError('request.invalid_content_encoding', 'The body does not decode with its Content-Encoding.');
  }
  return err;
}

/** `source`, with a decoder's failure turned into the client's error. */
export async function* withUploadErrors(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of source) yield chunk;
  } catch (err) {
    throw asUploadError(err);
  }
}
