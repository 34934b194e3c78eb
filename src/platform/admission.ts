// Admission control for the API's request handlers. Node 20's libuv accepts one connection per event-loop
// turn (libuv 1.45 stopped accepting in a loop), and a turn lasts as long as the handler work it runs. An
// API process that starts every request it has read at once makes turns of hundreds of milliseconds under
// load, so a thousand callers connecting together wait tens of seconds to be accepted at all: measured,
// hundreds of autocannon timeouts at 1,000 connections even against a bare Express handler.
// So only `perTurn` requests start per turn, and at most `maxActive` run at once; the rest wait in
// arrival order. A turn then holds about perTurn requests' worth of CPU whatever the endpoint costs, the
// process still runs flat out, and MySQL group commit still sees requests arriving together.
// A request that waits longer than `maxWaitMs`, or arrives when `maxQueued` already wait, is answered 503
// `service.busy` with Retry-After. A place is held until the answer is sent or the connection closes. It is
// mounted after the body is read, so a slow sender holds no place, and after the streaming CSV upload
// route, whose work yields every 100 rows.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Counter, Gauge, type Registry } from 'prom-client';
import { AppError } from './app-error.js';

export interface AdmissionOptions {
  /** Requests that may start per event-loop turn; 0 means no per-turn limit. */
  perTurn: number;
  /** Requests past this point at once; 0 means no cap. */
  maxActive: number;
  /** The longest a request waits for its turn before 503 service.busy. */
  maxWaitMs: number;
  /** Requests that may wait; past it a newcomer is answered 503 service.busy at once. */
  maxQueued: number;
}

export interface Admission {
  middleware: RequestHandler;
  stats(): { active: number; waiting: number; shed: number };
}

interface Waiter {
  req: Request;
  res: Response;
  next: NextFunction;
  timer: NodeJS.Timeout;
  done: boolean;
  onClose: () => void;
}

const LEAVE = Symbol('payval.admission.leave');
type Leaving = Request & { [LEAVE]?: () => void };

/**
 * Gives the request's place back before its answer is done: a results download streams for as long as
 * the client reads, and its remaining work is bounded by the stream, not by the event loop.
 */
export function leaveAdmission(req: Request): void {
  (req as Leaving)[LEAVE]?.();
}

const busy = () => new AppError('service.busy', 'The service is busy; retry shortly.', { retryAfterSeconds: 1 });

export function createAdmission(opts: AdmissionOptions): Admission {
  let active = 0;
  let shed = 0;
  let budget = opts.perTurn;
  let refillScheduled = false;
  // A FIFO with a moving head: shift() on thousands of waiters is quadratic.
  let queue: Waiter[] = [];
  let head = 0;
  let waiting = 0;

  const room = () => (opts.perTurn <= 0 || budget > 0) && (opts.maxActive <= 0 || active < opts.maxActive);

  /** The budget comes back in the next check phase (once per turn of the event loop); waiters then start. */
  function scheduleRefill(): void {
    if (refillScheduled) return;
    refillScheduled = true;
    setImmediate(() => {
      refillScheduled = false;
      budget = opts.perTurn;
      drain();
    });
  }

  function admit(req: Request, res: Response, next: NextFunction): void {
    active++;
    if (opts.perTurn > 0) {
      budget--;
      scheduleRefill();
    }
    const socket = req.socket;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      socket.off('close', release);
      active--;
      // Not from inside this response's events: the next request starts in the check phase.
      if (waiting > 0) scheduleRefill();
    };
    if (res.writableEnded || socket.destroyed) return release();
    (req as Leaving)[LEAVE] = release;
    // Answered, or the connection is gone. Not the response's `close`: a pipelined request's answer
    // waits behind the one before it, and when the socket closes Node ends neither; the socket's
    // `close` covers every way a request can be abandoned.
    res.once('finish', release);
    socket.once('close', release);
    next();
  }

  function nextWaiter(): Waiter | null {
    while (head < queue.length) {
      const w = queue[head]!;
      queue[head++] = undefined as unknown as Waiter;
      if (!w.done) return w;
    }
    return null;
  }

  function drain(): void {
    while (waiting > 0 && room()) {
      const w = nextWaiter();
      if (!w) break;
      settle(w);
      admit(w.req, w.res, w.next);
    }
  }

  function settle(w: Waiter): void {
    w.done = true;
    clearTimeout(w.timer);
    w.req.socket.off('close', w.onClose);
    waiting--;
    // Entries behind the head, or settled while waiting, hold their request until the array lets go.
    if (waiting === 0) {
      queue = [];
      head = 0;
    } else if (head > 1024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
  }

  const middleware: RequestHandler = (req, res, next) => {
    // Nobody overtakes a waiting request.
    if (waiting === 0 && room()) return admit(req, res, next);
    if (waiting >= opts.maxQueued) {
      shed++;
      return next(busy());
    }
    const w: Waiter = {
      req,
      res,
      next,
      done: false,
      timer: setTimeout(() => {
        if (w.done) return;
        settle(w);
        shed++;
        next(busy());
      }, opts.maxWaitMs),
      // A caller that hangs up while waiting is dropped, not served later (the socket, as in admit).
      onClose: () => {
        if (!w.done) settle(w);
      },
    };
    req.socket.once('close', w.onClose);
    queue.push(w);
    waiting++;
    scheduleRefill();
  };

  return { middleware, stats: () => ({ active, waiting, shed }) };
}

/** `payval_http_requests_active` / `_queued` gauges and `payval_http_requests_shed_total`. */
export function admissionMetrics(admission: Admission, registry: Registry): void {
  new Gauge({ name: 'payval_http_requests_active', help: 'API requests past admission, being handled', registers: [registry], collect() { this.set(admission.stats().active); } });
  new Gauge({ name: 'payval_http_requests_queued', help: 'API requests waiting for admission', registers: [registry], collect() { this.set(admission.stats().waiting); } });
  let reported = 0;
  new Counter({
    name: 'payval_http_requests_shed_total',
    help: 'API requests answered 503 service.busy by admission control (waited HTTP_QUEUE_TIMEOUT_MS, or HTTP_MAX_QUEUED_REQUESTS were waiting)',
    registers: [registry],
    collect() {
      const shed = admission.stats().shed;
      this.inc(shed - reported);
      reported = shed;
    },
  });
}
