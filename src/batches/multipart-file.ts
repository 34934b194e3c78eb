import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import { AppError } from '../platform/app-error.js';
import { asUploadError } from './request-encoding.js';

/**
 * Streams the `file` part of a multipart upload without buffering it. Text fields sent before the
 * file (e.g. `reference_id`) are collected; fields after it are ignored, because by then the rows
 * are already being stored. `body` is the request after any Content-Encoding.
 */
export function multipartFile(body: Readable, headers: IncomingHttpHeaders, maxBytes: number): Promise<{ fields: Record<string, string>; file: Readable }> {
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
    bb.on('field', (name, value) => {
      if (!file) fields[name] = value;
    });
    bb.on('file', (name, stream) => {
      if (name !== 'file' || file) {
        stream.resume();
        return;
      }
      file = stream;
      resolve({ fields, file: stream });
    });
    bb.on('error', () => reject(new AppError('request.invalid', 'The multipart body is malformed.')));
    bb.on('close', () => {
      if (!file) reject(new AppError('batch.missing_file', 'Send the CSV as a multipart part named "file".'));
    });
    // A body that stops decoding (or a client that hangs up) ends the file part with that error.
    body.once('error', (err) => {
      const mapped = asUploadError(err);
      body.unpipe(bb);
      if (file) file.destroy(mapped as Error);
      else reject(mapped);
    });
    body.pipe(bb);
  });
}
