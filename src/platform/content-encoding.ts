import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Transform } from 'node:stream';
import { AppError } from './app-error.js';

/** The request Content-Encodings payval inflates (JSON bodies and CSV uploads); anything else is refused unread. */
export type ContentCoding = 'identity' | 'gzip' | 'deflate' | 'br';

const CODINGS: Record<string, ContentCoding> = { identity: 'identity', gzip: 'gzip', 'x-gzip': 'gzip', deflate: 'deflate', br: 'br' };

/** One coding at most (`gzip, br` is refused): each layer would multiply the inflation to bound. */
export function parseContentEncoding(header: string | undefined): ContentCoding {
  const value = (header ?? '').trim().toLowerCase();
  if (value === '') return 'identity';
  const coding = CODINGS[value];
  if (!coding) {
    throw new AppError('request.unsupported_content_encoding', 'Content-Encoding must be gzip, deflate or br (or none).');
  }
  return coding;
}

// 64 kB output chunks instead of zlib's 16 kB: a quarter of the callbacks for the same inflated bytes.
const CHUNK = 64 * 1024;

/** A decoder for the coding; `deflate` is the zlib format RFC 9110 names. */
export function createDecoder(coding: Exclude<ContentCoding, 'identity'>): Transform {
  if (coding === 'gzip') return createGunzip({ chunkSize: CHUNK });
  if (coding === 'deflate') return createInflate({ chunkSize: CHUNK });
  return createBrotliDecompress({ chunkSize: CHUNK });
}
