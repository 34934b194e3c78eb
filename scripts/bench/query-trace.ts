// Times every statement and every transaction a knex instance runs, from knex's own events: a
// statement from its `query` event to its answer, a transaction from `BEGIN` until its connection goes
// back to the pool (knex releases it once COMMIT or ROLLBACK has answered), which is as long as it can
// have held row locks. Statements are grouped by shape (bound values and IN lists folded), which makes
// the profile of a loop such as the retention sweep.
import type { Db } from '../../src/platform/db.js';
import { quantile } from './bench-run.js';

export interface ShapeStats { shape: string; n: number; totalMs: number; p50: number; p99: number; maxMs: number }
export interface TraceReport { statements: ShapeStats[]; transactions: { n: number; p50: number; p99: number; maxMs: number; totalMs: number } }

interface KnexQuery { sql: string; __knexUid?: string; __knexQueryUid?: string }

/** The statement with values and lists folded: `IN (?, ?, …)` → `IN (?…)`, `WHEN ? THEN ? …` → `WHEN …`. */
export function statementShape(sql: string): string {
  return sql
    .replace(/\s+/g, ' ')
    .replace(/\?(?:\s*,\s*\?)+/g, '?…')
    .replace(/(?:when \? then \? ?)+/gi, 'WHEN … ')
    .trim();
}

export function traceQueries(db: Db): { report(): TraceReport; stop(): void } {
  const running = new Map<string, { shape: string; t0: number }>();
  const openTrx = new Map<string, number>();
  const byShape = new Map<string, number[]>();
  const trxMs: number[] = [];
  const onQuery = (q: KnexQuery) => {
    if (/^(BEGIN|START TRANSACTION)/i.test(q.sql) && q.__knexUid) openTrx.set(q.__knexUid, performance.now());
    else if (q.__knexQueryUid) running.set(q.__knexQueryUid, { shape: statementShape(q.sql), t0: performance.now() });
  };
  const onDone = (_: unknown, q: KnexQuery) => {
    const r = q.__knexQueryUid ? running.get(q.__knexQueryUid) : undefined;
    if (!r) return;
    running.delete(q.__knexQueryUid!);
    const list = byShape.get(r.shape) ?? [];
    list.push(performance.now() - r.t0);
    byShape.set(r.shape, list);
  };
  db.on('query', onQuery).on('query-response', onDone).on('query-error', onDone);
  // A transaction ends when knex gives its connection back (after COMMIT / ROLLBACK answered).
  const client = db.client as { releaseConnection(conn: { __knexUid?: string }): Promise<unknown> };
  const release = client.releaseConnection;
  client.releaseConnection = function (conn) {
    const t0 = conn.__knexUid ? openTrx.get(conn.__knexUid) : undefined;
    if (t0 !== undefined) {
      trxMs.push(performance.now() - t0);
      openTrx.delete(conn.__knexUid!);
    }
    return release.call(this, conn);
  };
  return {
    report() {
      const statements = [...byShape].map(([shape, ms]) => ({
        shape, n: ms.length, totalMs: ms.reduce((a, b) => a + b, 0), p50: quantile(ms, 0.5), p99: quantile(ms, 0.99), maxMs: quantile(ms, 1),
      }));
      statements.sort((a, b) => b.totalMs - a.totalMs);
      return {
        statements,
        transactions: { n: trxMs.length, p50: quantile(trxMs, 0.5), p99: quantile(trxMs, 0.99), maxMs: quantile(trxMs, 1), totalMs: trxMs.reduce((a, b) => a + b, 0) },
      };
    },
    stop() {
      db.off('query', onQuery).off('query-response', onDone).off('query-error', onDone);
      client.releaseConnection = release;
    },
  };
}
