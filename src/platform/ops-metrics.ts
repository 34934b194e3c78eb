// The metrics an operator scales and alerts on (issue 16): HTTP requests by route template, the work
// waiting in each BullMQ queue and the age of the next job, and whether MySQL and Redis answer. Queue
// and dependency figures are read when Prometheus scrapes, bounded by a timeout each, so a scrape
// during an outage answers at once (the series then say so) instead of hanging.

import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import type { JobType } from 'bullmq';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Db } from './db.js';
import { withTimeout } from './with-timeout.js';
import { probe } from './health-routes.js';

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
const PROBE_TIMEOUT_MS = 1000;
/** A scrape's gauges share one reading of the queues; the next scrape reads afresh. */
const READING_REUSE_MS = 1000;

/**
 * The route an answer belongs to, as a template: the OpenAPI path for /v1 (`/v1/validations/{id}`),
 * else Express's matched route, else `unmatched`. Never the raw URL, so the label set stays bounded.
 */
function routeOf(req: Parameters<RequestHandler>[0]): string {
  const openapi = (req as { openapi?: { openApiRoute?: string } }).openapi?.openApiRoute;
  if (openapi) return openapi.replace(/:([A-Za-z_]+)/g, '{$1}');
  if (req.route?.path && typeof req.route.path === 'string') return `${req.baseUrl}${req.route.path}`;
  return 'unmatched';
}

/** `payval_http_requests_total{method,route,status_class}` and `payval_http_request_duration_seconds{method,route}`. */
export function httpMetrics(registry: Registry): RequestHandler {
  const requests = new Counter({
    name: 'payval_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status class (2xx, 4xx, 5xx…)',
    labelNames: ['method', 'route', 'status_class'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'payval_http_request_duration_seconds',
    help: 'Time from a request arriving to its answer being sent, by method and route template',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  return (req, res, next) => {
    const started = performance.now();
    res.once('finish', () => {
      const method = METHODS.has(req.method) ? req.method : 'OTHER';
      const route = routeOf(req);
      requests.inc({ method, route, status_class: `${Math.floor(res.statusCode / 100)}xx` });
      duration.observe({ method, route }, (performance.now() - started) / 1000);
    });
    next();
  };
}

interface CountableQueue {
  name: string;
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
  getJobs(types: JobType[], start?: number, end?: number, asc?: boolean): Promise<Array<{ timestamp: number } | undefined>>;
}

const QUEUE_STATES = ['wait', 'prioritized', 'active', 'delayed', 'paused'] as const;
/** BullMQ's getJobCounts names the wait list `waiting`. */
const countName = (s: (typeof QUEUE_STATES)[number]): string => (s === 'wait' ? 'waiting' : s);

interface QueueReading { queue: string; counts: Record<string, number>; ageSeconds: number }

/** One queue's counts by state and the age of its next job; null when Redis did not answer in time. */
async function readQueue(q: CountableQueue): Promise<QueueReading | null> {
  try {
    const counts = await withTimeout(q.getJobCounts(...QUEUE_STATES.map(countName)), PROBE_TIMEOUT_MS, 'queue counts timed out');
    const next = await withTimeout(Promise.all([q.getJobs(['wait'], 0, 0, true), q.getJobs(['prioritized'], 0, 0, true)]), PROBE_TIMEOUT_MS, 'queue heads timed out');
    const stamps = next.flat().map((j) => j?.timestamp).filter((t): t is number => typeof t === 'number');
    const byState = Object.fromEntries(QUEUE_STATES.map((s) => [s, counts[countName(s)] ?? 0]));
    return { queue: q.name, counts: byState, ageSeconds: stamps.length ? Math.max(0, (Date.now() - Math.min(...stamps)) / 1000) : 0 };
  } catch {
    // Redis unreachable: no series for this queue in this scrape; payval_dependency_up says why.
    return null;
  }
}

/**
 * `payval_queue_jobs{queue,state}` and `payval_queue_oldest_age_seconds{queue}`: jobs by state, and how
 * long the next job to be taken (the oldest waiting, or the first by priority) has been waiting. Both
 * gauges of one scrape share one reading of Redis.
 */
export function queueMetrics(registry: Registry, queues: readonly CountableQueue[]): void {
  let reading: { at: number; result: Promise<Array<QueueReading | null>> } | null = null;
  const read = () => {
    if (!reading || Date.now() - reading.at > READING_REUSE_MS) reading = { at: Date.now(), result: Promise.all(queues.map(readQueue)) };
    return reading.result;
  };
  new Gauge({
    name: 'payval_queue_jobs',
    help: 'Jobs in each BullMQ queue by state (wait and prioritized are the work waiting for a worker)',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      const readings = await read();
      this.reset();
      for (const r of readings) if (r) for (const s of QUEUE_STATES) this.set({ queue: r.queue, state: s }, r.counts[s]!);
    },
  });
  new Gauge({
    name: 'payval_queue_oldest_age_seconds',
    help: 'Age of the next job a worker would take from the queue (0 when none waits)',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      const readings = await read();
      this.reset();
      for (const r of readings) if (r) this.set({ queue: r.queue }, r.ageSeconds);
    },
  });
}

/** `payval_dependency_up{dependency}`: 1 when MySQL (`SELECT 1`) or Redis (`PING`) answered within a second at scrape time. */
export function dependencyMetrics(registry: Registry, db: Db, redis: Redis): void {
  new Gauge({
    name: 'payval_dependency_up',
    help: 'Whether MySQL and Redis answered this process within a second when scraped (1) or not (0)',
    labelNames: ['dependency'],
    registers: [registry],
    async collect() {
      const up = async (check: () => Promise<unknown>) => ((await probe(check, PROBE_TIMEOUT_MS)) === 'ok' ? 1 : 0);
      const [mysql, redisUp] = await Promise.all([up(() => db.raw('SELECT 1')), up(() => redis.ping())]);
      this.set({ dependency: 'mysql' }, mysql);
      this.set({ dependency: 'redis' }, redisUp);
    },
  });
}
