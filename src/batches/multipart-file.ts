import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import { AppError } from '../platform/app-error.js';
import { asUploadError } from './request-encoding.js';

const malformed = () => new AppError('request.invalid', 'The multipart body is malformed.');

/**
 * A failure of the multipart body as the client's error. busboy's own errors ("Unexpected end of
 * form", "Malformed part header"…) are plain Errors: the body is malformed. A decoder's or the
 * connection's failure keeps its own code (400 invalid encoding, 400 upload interrupted).
 */
function asMultipartError(err: unknown): AppError {
  const mapped = asUploadError(err);
  return mapped instanceof AppError ? mapped : malformed();
}

/**
 * Streams the `file` part of a multipart upload without buffering it. Text fields sent before the
 * file (e.g. `reference_id`) are collected; fields after it are ignored, because by then the rows
 * are already being stored. `body` is the request after any Content-Encoding.
 *
 * busboy destroys its part streams with an error when the body breaks off (no closing boundary, a
 * client that hangs up, a gzip stream that stops decoding), possibly while the route is still awaiting
 * something else and nobody reads the file yet. An EventEmitter's 'error' with no listener takes the
 * whole process down, so every part stream gets a listener the moment busboy hands it out; the file's
 * error is kept and thrown when the route reads. The file ends only once busboy has seen the closing
 * boundary, so a body cut off after the file part is refused too, never half-accepted.
 */
export function multipartFile(body: Readable, headers: IncomingHttpHeaders, maxBytes: number): Promise<{ fields: Record<string, string>; file: AsyncIterable<Buffer> }> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers,
        // One byte past the limit lets the byte counter downstream see the overflow and answer 413.
        limits: { files: 1, fileSize: maxBytes + 1, fields: 10, fieldSize: 4096, parts: 20 },
      });
    } catch {
      reject(new AppError('request.invalid', 'The multipart body is malformed (missing boundary?).'));
      return;
    }
    const fields: Record<string, string> = {};
    let file: Readable | null = null;
    let failure: AppError | null = null;
    const fail = (err: unknown) => {
      failure ??= asMultipartError(err);
      return failure;
    };
    // Settles once busboy has parsed the whole body (or failed); never rejects, so nothing is unhandled.
    const parsed = new Promise<AppError | null>((done) => {
      bb.once('close', () => done(failure));
      bb.on('error', (err) => done(fail(err)));
    });

    bb.on('field', (name, value) => {
      if (!file) fields[name] = value;
    });
    bb.on('file', (name, stream) => {
      stream.on('error', fail);
      if (name !== 'file' || file) {
        stream.resume();
        return;
      }
      file = stream;
      resolve({ fields, file: fileChunks(stream, () => failure, parsed) });
    });
    void parsed.then((err) => reject(err ?? new AppError('batch.missing_file', 'Send the CSV as a multipart part named "file".')));
    // A body that stops decoding (or a client that hangs up) ends the file part with that error.
    body.once('error', (err) => {
      const mapped = fail(err);
      body.unpipe(bb);
      if (file) file.destroy(mapped);
      else reject(mapped);
    });
    body.pipe(bb);
  });
}

/** The file part's bytes; the error that broke the body, if any, is thrown here. */
async function* fileChunks(stream: Readable, failure: () => AppError | null, parsed: Promise<AppError | null>): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (err) {
    throw failure() ?? asMultipartError(err);
  }
  const err = await parsed;
  if (err) throw err;
}
