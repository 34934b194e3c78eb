import type { IncomingMessage, ServerResponse } from 'node:http';

/** What is drained after an early answer so the connection can carry the next request. */
export const DRAIN_LIMIT_BYTES = 1024 * 1024;
const DRAIN_TIMEOUT_MS = 10_000;

/**
 * Called when an upload is answered before its body was read to the end (409, 422, 400, 413…). An
 * unread body would sit on a keep-alive connection and stall the client's next request on it, so the
 * rest is read and thrown away, up to DRAIN_LIMIT_BYTES and DRAIN_TIMEOUT_MS. A body declared larger
 * than that is answered with `Connection: close`, and the socket is closed once the limit is reached.
 * Call it before the answer is sent.
 */
export function drainAfterEarlyAnswer(req: IncomingMessage, res: ServerResponse): void {
  if (req.complete || req.destroyed) return;
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > DRAIN_LIMIT_BYTES && !res.headersSent) res.setHeader('Connection', 'close');
  // Whoever was reading stops: a pipe (busboy, a decoder) or an async iterator, whose 'readable'
  // listener would otherwise keep the stream from flowing.
  req.unpipe();
  req.removeAllListeners('readable');
  let drained = 0;
  const giveUp = () => {
    if (!req.complete) req.socket.destroy();
  };
  const timer = setTimeout(giveUp, DRAIN_TIMEOUT_MS);
  timer.unref();
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > DRAIN_LIMIT_BYTES) giveUp();
  });
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
  req.resume();
}
