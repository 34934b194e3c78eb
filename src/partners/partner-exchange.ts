// One HTTP exchange on undici's dispatcher interface: the answer's bytes are gathered straight from
// the socket's callbacks, with no response stream, async iterator or per-request AsyncResource. With
// hundreds of partner calls in flight per worker this costs about a quarter of the CPU of undici's
// `request()` and reading its body stream (measured in docs/decisions/0026).

import type { Dispatcher } from 'undici';

export interface Exchange {
  dispatcher: Dispatcher;
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  maxBodyBytes: number;
  /** What to fail with when the answer is larger than maxBodyBytes (declared or actual). */
  tooLarge(): Error;
}

export interface ExchangeAnswer {
  statusCode: number;
  /** Lower-case names; a repeated header is an array, like Node's and undici's own. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Resolves with the whole answer; rejects with undici's error, the signal's reason, or `tooLarge()`. */
export function exchange(x: Exchange): Promise<ExchangeAnswer> {
  const url = new URL(x.url);
  return new Promise<ExchangeAnswer>((resolve, reject) => {
    let abort: ((reason: Error) => void) | null = null;
    let aborted: Error | null = null;
    let settled = false;
    let statusCode = 0;
    let headers: ExchangeAnswer['headers'] = {};
    const chunks: Buffer[] = [];
    let size = 0;

    const onAbort = (): void => {
      aborted = x.signal.reason instanceof Error ? x.signal.reason : new Error('aborted');
      abort?.(aborted);
    };
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      x.signal.removeEventListener('abort', onAbort);
      return true;
    };
    const fail = (err: Error): void => {
      if (abort) abort(err);
      else if (settle()) reject(err);
    };
    x.signal.addEventListener('abort', onAbort, { once: true });

    const handler: Dispatcher.DispatchHandler = {
      onConnect(abortFn) {
        abort = abortFn as (reason: Error) => void;
        if (aborted) abortFn(aborted);
      },
      onHeaders(status, rawHeaders) {
        if (status < 200) return true;
        statusCode = status;
        headers = parseRawHeaders(rawHeaders as unknown as Buffer[]);
        const declared = Number(headers['content-length']);
        if (Number.isFinite(declared) && declared > x.maxBodyBytes) fail(x.tooLarge());
        return true;
      },
      onData(chunk) {
        size += chunk.length;
        if (size > x.maxBodyBytes) {
          fail(x.tooLarge());
          return false;
        }
        chunks.push(chunk);
        return true;
      },
      onComplete() {
        if (settle()) resolve({ statusCode, headers, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) });
      },
      onError(err) {
        if (settle()) reject(err);
      },
    };
    x.dispatcher.dispatch({ origin: url.origin, path: `${url.pathname}${url.search}`, method: x.method, headers: x.headers, body: x.body ?? null }, handler);
  });
}

function parseRawHeaders(raw: readonly Buffer[] | null | undefined): ExchangeAnswer['headers'] {
  const out: ExchangeAnswer['headers'] = {};
  if (!raw) return out;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1').toLowerCase();
    const value = raw[i + 1]!.toString('latin1');
    const seen = out[name];
    out[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return out;
}
