import type { ServerResponse } from 'node:http';
import type { Request, RequestHandler } from 'express';

const DRAIN_LIMIT = Symbol('payval.drainLimit');

/** A route that expects large bodies (uploads) may allow more to be drained after its early answers. */
export function setDrainLimit(res: ServerResponse, maxBytes: number): void {
  (res as ServerResponse & { [DRAIN_LIMIT]?: number })[DRAIN_LIMIT] = maxBytes;
}

/** How long a connection closed mid-body stays half-open, so a slow client still reads its answer. */
const LINGER_MS = 2000;
/**
 * Each lingering socket holds up to ~80 kB of unread body in memory. Past this many at once (a flood of
 * abandoned uploads) new ones are destroyed at once: memory stays bounded, at the risk of a reset.
 */
const MAX_LINGERING = 256;

/**
 * A lingering close: stop reading (so no more than the socket buffers arrive), send FIN behind the
 * answer, and destroy only after LINGER_MS. Destroying with unread bytes sends a reset at once, and a
 * reset makes the client's kernel drop an answer the client has not read yet.
 */
function createLingeringClose(): (req: Request) => void {
  let lingering = 0;
  return (req) => {
    const socket = req.socket;
    if (lingering >= MAX_LINGERING) {
      socket.destroy();
      return;
    }
    lingering++;
    req.pause();
    socket.pause();
    socket.end();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once('close', () => {
      clearTimeout(timer);
      lingering--;
    });
  };
}

/**
 * After an answer sent before its request body was read (401, 429, 503, 413, 415…), the rest of the
 * body is discarded so the keep-alive connection can carry the next request at once — but only up to
 * `maxBytes` and `timeoutMs`; past either the connection is closed, lingering. Closing at once instead
 * would risk a TCP reset that destroys the answer before the client reads it; draining forever would let
 * anyone make the server swallow gigabytes.
 */
export function earlyAnswerDrain(opts: { maxBytes: number; timeoutMs: number }): RequestHandler {
  const lingeringClose = createLingeringClose();
  return (req, res, next) => {
    // 'prefinish' (the answer is written) comes before Node's own 'finish' handler, which would dump an
    // untouched body (dumped bytes never reach `req`, so they could not be counted) or, when the connection
    // is not kept alive, destroy the socket at once.
    res.once('prefinish', () => {
      if (req.complete || req.destroyed) return;
      if (!res.shouldKeepAlive) {
        // `Connection: close` (or HTTP/1.0): Node ends the connection after this answer with destroySoon(),
        // which resets it while the body is still arriving. Close it lingering instead.
        req.socket.destroySoon = () => lingeringClose(req);
        return;
      }
      const maxBytes = (res as typeof res & { [DRAIN_LIMIT]?: number })[DRAIN_LIMIT] ?? opts.maxBytes;
      let seen = 0;
      const cut = () => {
        stop();
        lingeringClose(req);
      };
      const onData = (chunk: Buffer) => {
        seen += chunk.length;
        if (seen > maxBytes) cut();
      };
      const stop = () => {
        clearTimeout(timer);
        req.off('data', onData).off('end', stop).off('close', stop);
      };
      const timer = setTimeout(cut, opts.timeoutMs);
      timer.unref();
      // Whoever was reading (a JSON decoder, a CSV parser) is done with it; Node only dumps bodies nobody touched.
      // An async iterator reads through 'readable', which keeps the stream from flowing: drop it too.
      req.unpipe();
      req.removeAllListeners('data');
      req.removeAllListeners('readable');
      req.on('data', onData).once('end', stop).once('close', stop);
      req.resume();
    });
    next();
  };
}
