import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import { AppError } from '../platform/app-error.js';

/**
 * Streams the `file` part of a multipart upload without buffering it. Text fields sent before the
 * file (e.g. `reference_id`) are collected; fields after it are ignored, because by then the rows
 * are already being stored.
 */
export function multipartFile(req: IncomingMessage, maxBytes: number): Promise<{ fields: Record<string, string>; file: Readable }> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: req.headers,
        // One byte past the limit lets the byte counter downstream see the overflow and answer 413.
        limits: { files: 1, fileSize: maxBytes + 1, fields: 10, fieldSize: 4096, parts: 20 },
      });
    } catch {
      reject(new AppError('request.invalid', 'The multipart body is malformed (missing boundary?).'));
      return;
    }
    const fields: Record<string, string> = {};
    let found = false;
    bb.on('field', (name, value) => {
      if (!found) fields[name] = value;
    });
    bb.on('file', (name, stream) => {
      if (name !== 'file' || found) {
        stream.resume();
        return;
      }
      found = true;
      resolve({ fields, file: stream });
    });
    bb.on('error', () => reject(new AppError('request.invalid', 'The multipart body is malformed.')));
    bb.on('close', () => {
      if (!found) reject(new AppError('batch.missing_file', 'Send the CSV as a multipart part named "file".'));
    });
    req.pipe(bb);
  });
}
