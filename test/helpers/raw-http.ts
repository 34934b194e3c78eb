import http from 'node:http';
import type { Socket } from 'node:net';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  /** The socket the request went out on, to tell whether a keep-alive connection was reused. */
  socket: Socket;
  ms: number;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** Written one after another, `pauseMs` apart; omit for a bodiless request. */
  chunks?: Buffer[];
  pauseMs?: number;
  /** `true` sends no Content-Length (chunked transfer encoding); default: Content-Length of all chunks. */
  chunked?: boolean;
  agent?: http.Agent;
  /** Stop writing (and leave the rest unsent) once the response has arrived. */
  stopOnResponse?: boolean;
  timeoutMs?: number;
}

/**
 * A plain node:http client that controls how the body goes on the wire: chunk sizes, pauses between
 * writes, chunked or Content-Length framing, and which keep-alive agent carries it.
 */
export function rawRequest(base: string, r: RawRequest): Promise<RawResponse> {
  const url = new URL(r.path, base);
  const chunks = r.chunks ?? [];
  const length = chunks.reduce((n, c) => n + c.length, 0);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request(
      url,
      {
        method: r.method ?? (chunks.length ? 'POST' : 'GET'),
        agent: r.agent ?? false,
        headers: { ...(r.chunked || !chunks.length ? {} : { 'content-length': String(length) }), ...r.headers },
        timeout: r.timeoutMs ?? 30_000,
      },
      (res) => {
        answered = true;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          let body: unknown = null;
          try {
            body = JSON.parse(text);
          } catch {
            body = null;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body, socket: req.socket!, ms: performance.now() - started });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${r.timeoutMs ?? 30_000} ms`)));
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    void (async () => {
      for (const c of chunks) {
        if (answered && r.stopOnResponse) break;
        if (!req.write(c)) await new Promise((ok) => req.once('drain', ok));
        if (r.pauseMs) await new Promise((ok) => setTimeout(ok, r.pauseMs));
      }
      if (!(answered && r.stopOnResponse)) req.end();
    })().catch(reject);
  });
}

/** `buf` cut into pieces of the given sizes, cycling through them. */
export function chunksOf(buf: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < buf.length; i++) {
    const n = Math.max(1, sizes[i % sizes.length]!);
    out.push(buf.subarray(at, at + n));
    at += n;
  }
  return out;
}
