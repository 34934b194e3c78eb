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

/**
 * Resolves once the server is listening and rejects if it cannot (EADDRINUSE, EACCES…). Express 5's
 * `app.listen(port, host, cb)` hands the error to `cb`, so waiting for its callback alone would report
 * success with no listener.
 */
export function listenOn(app: Express, port: number, host: string): Promise<Server> {
  const server = createServer(app);
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
    server.listen(port, host);
  });
}
