import type { IncomingMessage, ServerResponse } from 'node:http';
import { setDrainLimit } from '../platform/early-answer-drain.js';

/** What is drained after an early answer to an upload so the connection can carry the next request. */
export const DRAIN_LIMIT_BYTES = 1024 * 1024;

/**
 * Called when an upload is answered before its body was read to the end (409, 422, 400, 413…). The
 * app-wide earlyAnswerDrain reads and discards the rest once the answer is written; an upload gets a
 * larger allowance than other requests, because a client retrying a file is usually mid-way through it.
 * A body declared larger than that is answered with `Connection: close` (decided here, while headers can
 * still change) and closed lingering. Call it before the answer is sent.
 */
export function drainAfterEarlyAnswer(req: IncomingMessage, res: ServerResponse): void {
  if (req.complete || req.destroyed) return;
  setDrainLimit(res, DRAIN_LIMIT_BYTES);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > DRAIN_LIMIT_BYTES && !res.headersSent) res.setHeader('Connection', 'close');
}
