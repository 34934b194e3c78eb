import type { RequestHandler } from 'express';

/**
 * After an answer sent before its request body was read (401, 429, 503, 413, 415…), the rest of the
 * body is discarded so the keep-alive connection can carry the next request at once — but only up to
 * `maxBytes` and `timeoutMs`; past either the connection is closed. Closing at once instead would risk a
 * TCP reset that destroys the answer before the client reads it; draining forever would let anyone make
 * the server swallow gigabytes.
 */
export function earlyAnswerDrain(opts: { maxBytes: number; timeoutMs: number }): RequestHandler {
  return (req, res, next) => {
    // 'prefinish' (the answer is written) comes before Node's own 'finish' handler, which would dump an
    // untouched body: dumped bytes never reach `req`, so they could not be counted.
    res.once('prefinish', () => {
      if (req.complete || req.destroyed) return;
      let seen = 0;
      const cut = () => {
        stop();
        req.socket.destroy();
      };
      const onData = (chunk: Buffer) => {
        seen += chunk.length;
        if (seen > opts.maxBytes) cut();
      };
      const stop = () => {
        clearTimeout(timer);
        req.off('data', onData).off('end', stop).off('close', stop);
      };
      const timer = setTimeout(cut, opts.timeoutMs);
      timer.unref();
      // Whoever was reading (a JSON decoder, a CSV parser) is done with it; Node only dumps bodies nobody touched.
      req.unpipe();
      req.removeAllListeners('data');
      req.on('data', onData).once('end', stop).once('close', stop);
      req.resume();
    });
    next();
  };
}
