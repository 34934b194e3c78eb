import type { Request, RequestHandler } from 'express';
import type { Readable } from 'node:stream';
import { AppError } from './app-error.js';
import type { BodySlots } from './body-slots.js';
import { createDecoder, parseContentEncoding, type ContentCoding } from './content-encoding.js';
import { createArrayLengthGuard } from './json-array-guard.js';

export interface JsonBodyOptions {
  /** At or under this declared, uncompressed length a body needs no slot: it cannot cost more than this. */
  smallLimitBytes: number;
  /** The limit for this request, on the decompressed bytes. */
  limitFor(req: Request): number;
  /** For requests whose top-level arrays are capped (a JSON batch's items): refused while still arriving. */
  arrayCapFor?(req: Request): ArrayCap | null;
  slots: BodySlots;
  /**
   * A body holding a slot must arrive in full within this long, or its connection is closed (which frees
   * the slot). The server has no whole-request deadline (uploads may take hours), and the idle timeout
   * alone would let a client keep a slot for ever by sending a byte now and then.
   */
  slotDeadlineMs: number;
}

export interface ArrayCap { max: number; refuse: () => AppError }

interface ReadLimits { bytes: number; cap: ArrayCap | null }

const JSON_TYPES = ['application/json', 'application/*+json'];
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;

const tooLarge = (limit: number) =>
  new AppError('request.body_too_large', `The request body may be at most ${limit.toLocaleString('en')} bytes (after decompression).`);
const malformed = () => new AppError('request.malformed_json', 'The request body is not valid JSON.');

function declaredLength(req: Request): number | null {
  if (req.headers['transfer-encoding'] !== undefined) return null;
  const n = Number(req.headers['content-length']);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/**
 * Reads JSON request bodies after authentication and the rate limit (it is mounted behind them), with
 * every limit applied before or while reading, never after:
 * - a declared length over the limit is a 413 before a byte is read;
 * - gzip, deflate and br are inflated, and the limit counts inflated bytes, so a bomb stops at the limit;
 * - a body that could be large (over the small limit, of unknown length, or compressed) needs one of a few
 *   per-process slots, held until the response closes; none free is a 503 `service.busy`, unread; such a
 *   body must arrive within `slotDeadlineMs`.
 * Anything left unread is drained (bounded) by earlyAnswerDrain.
 */
export function jsonBody(opts: JsonBodyOptions): RequestHandler {
  return (req, res, next) => {
    if (!BODY_METHODS.has(req.method) || !req.is(JSON_TYPES)) {
      next();
      return;
    }
    const charset = CHARSET.exec(req.get('content-type') ?? '')?.[1]?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      throw new AppError('request.unsupported_media_type', 'JSON request bodies must be UTF-8.');
    }
    const coding = parseContentEncoding(req.get('content-encoding'));
    const limit = opts.limitFor(req);
    const declared = declaredLength(req);
    if (declared !== null && declared > limit) throw tooLarge(limit);
    let deadline: NodeJS.Timeout | undefined;
    if (coding !== 'identity' || declared === null || declared > opts.smallLimitBytes) {
      const release = opts.slots.tryAcquire();
      if (!release) {
        throw new AppError('service.busy', 'The service is busy with other large requests; retry shortly.', { retryAfterSeconds: 1 });
      }
      res.once('close', release);
      deadline = setTimeout(() => req.socket.destroy(), opts.slotDeadlineMs);
    }
    readJson(req, coding, { bytes: limit, cap: opts.arrayCapFor?.(req) ?? null }).then(
      (body) => {
        clearTimeout(deadline);
        req.body = body;
        next();
      },
      (err: unknown) => {
        clearTimeout(deadline);
        next(err);
      },
    );
  };
}

function readJson(req: Request, coding: ContentCoding, limits: ReadLimits): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const decoder = coding === 'identity' ? null : createDecoder(coding);
    const source: Readable = decoder ? req.pipe(decoder) : req;
    const guard = limits.cap ? createArrayLengthGuard(limits.cap.max) : null;
    let chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (err: Error | null, body?: unknown) => {
      if (settled) return;
      settled = true;
      source.off('data', onData).off('end', onEnd).off('error', onSourceError);
      req.off('close', onClose);
      if (decoder) {
        req.unpipe(decoder);
        decoder.destroy();
      }
      chunks = [];
      if (err) reject(err);
      else resolve(body);
    };
    const onData = (chunk: Buffer) => {
      if (size + chunk.length > limits.bytes) return finish(tooLarge(limits.bytes));
      if (guard && !guard(chunk)) return finish(limits.cap!.refuse());
      chunks.push(chunk);
      size += chunk.length;
    };
    const onEnd = () => {
      const bytes = Buffer.concat(chunks, size);
      chunks = [];
      try {
        finish(null, parseJson(bytes));
      } catch (err) {
        finish(err as Error);
      }
    };
    const onSourceError = () =>
      finish(!decoder ? incomplete() : new AppError('request.invalid_content_encoding', `The request body is not valid ${coding} data.`));
    // 'close' also follows a complete body; only an unfinished one means the client went away.
    const onClose = () => {
      if (!req.complete) finish(incomplete());
    };
    source.on('data', onData).once('end', onEnd).once('error', onSourceError);
    req.once('close', onClose);
  });
}

const incomplete = () => new AppError('request.invalid', 'The request body ended before its declared end.');

/** Like body-parser's strict mode: an object or array at the top, an empty body reads as `{}`. */
function parseJson(buf: Buffer): unknown {
  let text = buf.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.length === 0) return {};
  const first = /\S/.exec(text)?.[0];
  if (first !== '{' && first !== '[') throw malformed();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw malformed();
  }
}

