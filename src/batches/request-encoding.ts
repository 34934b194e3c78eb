import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { AppError } from '../platform/app-error.js';
import { createDecoder, parseContentEncoding } from '../platform/content-encoding.js';

/**
 * The body of a CSV upload as it was before any Content-Encoding: gzip, deflate or br are decoded as a
 * stream, so memory stays bounded (BATCH_MAX_BYTES is counted on the decoded bytes downstream).
 * Anything else, stacked encodings included, is a 415. `pipe`, not `pipeline`: a body that does not
 * decode must not destroy the request, whose socket still has to carry the 400.
 */
export function decodedBody(req: IncomingMessage): Readable {
  const coding = parseContentEncoding(req.headers['content-encoding']);
  if (coding === 'identity') return req;
  const decoder = createDecoder(coding);
  req.once('error', (err) => decoder.destroy(err));
  decoder.once('error', () => req.unpipe(decoder));
  return req.pipe(decoder);
}

/** The upload was cut off: the client hung up (or its connection broke) before the body ended. */
export const uploadInterrupted = () => new AppError('batch.upload_interrupted', 'The upload was interrupted before every row was read.');

/**
 * A failure of the request body as the client's error: a decoder's (zlib's own message is not for
 * clients), or the connection's (not a dependency outage, as a bare ECONNRESET would be taken for).
 */
export function asUploadError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && /^(Z_|ERR_BROTLI|ERR_ZLIB)/.test(code)) {
    return new AppError('request.invalid_content_encoding', 'The body does not decode with its Content-Encoding.');
  }
  if (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || (err as Error)?.message === 'aborted') return uploadInterrupted();
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
