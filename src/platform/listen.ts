import { createServer, type Server } from 'node:http';
import type { Express } from 'express';

/** Error thrown when the HTTP port cannot be bound; main.ts prints its message and exits non-zero. */
export class ListenError extends Error {
  constructor(readonly host: string, readonly port: number, cause: NodeJS.ErrnoException) {
    const why = cause.code === 'EADDRINUSE' ? 'is already in use' : cause.code === 'EACCES' ? 'needs privileges payval does not have' : `cannot be used (${cause.code ?? cause.message})`;
    super(`port ${port} on ${host} ${why}; stop the other process or set PORT`, { cause });
    this.name = 'ListenError';
  }
}

/** Socket timeouts; see Config['http']. */
export interface ServerTimeouts {
  idleTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Connections the kernel may hold before accept (Node's default 511 makes a burst of 1,000 clients retry their SYN for seconds). */
  listenBacklog?: number;
}

/** Node's own default; stated, because with no requestTimeout Node's default would become 0 (none). */
export const HEADERS_TIMEOUT_MS = 60_000;

/**
 * Resolves once the server is listening and rejects if it cannot (EADDRINUSE, EACCES…). Express 5's
 * `app.listen(port, host, cb)` hands the error to `cb`, so waiting for its callback alone would report
 * success with no listener.
 *
 * Node's default `requestTimeout` (300 s) covers the whole body: a million-row upload over a slow link
 * or past a busy database would get a 408 and a reset. Payval sets none; instead a connection that
 * moves no byte for `idleTimeoutMs` is destroyed (a stalled client, a half-dead peer), so a slow upload
 * lives as long as it keeps moving. `headersTimeout` stays: a request head must arrive within 60 s.
 */
export function listenOn(app: Express, port: number, host: string, timeouts: ServerTimeouts): Promise<Server> {
  const server = createServer({ requestTimeout: 0, headersTimeout: HEADERS_TIMEOUT_MS, keepAliveTimeout: timeouts.keepAliveTimeoutMs }, app);
  // With no 'timeout' listener, Node destroys a socket that was idle this long.
  server.setTimeout(timeouts.idleTimeoutMs);
  return new Promise<Server>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(new ListenError(host, port, err));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve(server);
    };
    server.once('error', onError).once('listening', onListening);
    server.listen({ port, host, backlog: timeouts.listenBacklog ?? 511 });
  });
}
