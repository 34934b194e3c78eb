// One step of a lifecycle run: a keyset walk over one table in bounded pages, each page rewritten in a
// short transaction that also moves the step's cursor (docs/decisions/0038-key-rotation-and-retirement.md).
//
// 1. Read a page of keys with a plain consistent read: no locks, readers and writers never wait on it.
// 2. In one transaction: lock the rows that need work with FOR UPDATE SKIP LOCKED (a row another
//    transaction holds is skipped, not waited for), rewrite them by primary key, move the cursor.
//    The UPDATE stays a separate statement: `UPDATE … WHERE id IN (SELECT … SKIP LOCKED)` is unsafe for
//    statement-based binary logs.
// 3. Sleep at least as long as the page took: the walk uses at most half of a connection's time.
// Skipped rows are revisited at the end of the step; any still locked then stay counted as skipped,
// which keeps the pass from counting as clean, so the next pass sees them again.
import type { Knex } from 'knex';
import { withTransaction, type Db, type Trx } from '../platform/db.js';
import { afterKey, keyIn, keyOf, keyText, type SqlFragment } from './keyset.js';
import { advanceStep, completeStep } from './lifecycle-run-store.js';
import type { StepName, StepRow } from './lifecycle-plan.js';

export type StoredRow = Record<string, unknown>;
/** From the lock-free read: the row needs work, is already as wanted, or cannot be handled. */
export type RowVerdict = 'work' | 'done' | 'failed';
export interface RowOutcome { changed: boolean; failed: boolean }

export interface RewriteStep extends StepName {
  key: readonly string[];
  /** The lock-free read's select list beyond the key: column names or `expression AS alias`. */
  probe: readonly string[];
  classify(row: StoredRow): RowVerdict;
  /** Columns read under the lock, beyond the key. */
  locked: readonly string[];
  /** Called under the row's lock; re-checks the row (it may have changed since the probe) and rewrites it. */
  rewrite(trx: Trx, row: StoredRow): Promise<RowOutcome>;
}

export interface StepCounts { scanned: number; changed: number; skipped: number; failed: number }

export interface StepOptions {
  batch: number;
  pauseMs: number;
  /** Rounds of revisiting skipped rows at the end of the step. */
  revisitRounds?: number;
  sleep?: (ms: number) => Promise<void>;
  onProgress?: (row: StepRow, counts: StepCounts) => void;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const probeColumn = (db: Db, p: string) => (/\sAS\s/i.test(p) ? db.raw(p) : p);
/** Key values come from MySQL rows and go back as bindings as they are. */
const bindings = (f: SqlFragment) => f.bindings as Knex.Value[];

interface Locked { changed: number; failed: number; missing: unknown[][] }

async function lockAndRewrite(trx: Trx, step: RewriteStep, keys: readonly unknown[][]): Promise<Locked> {
  const where = keyIn(step.key, keys);
  const columns = [...new Set([...step.key, ...step.locked])];
  const rows = (await trx(step.tableName).select(columns).whereRaw(where.sql, bindings(where)).forUpdate().skipLocked()) as StoredRow[];
  const got = new Set(rows.map((r) => keyText(keyOf(step.key, r))));
  let changed = 0;
  let failed = 0;
  for (const row of rows) {
    const outcome = await step.rewrite(trx, row);
    if (outcome.changed) changed++;
    if (outcome.failed) failed++;
  }
  return { changed, failed, missing: keys.filter((k) => !got.has(keyText(k))) };
}

/** Runs (or resumes) one step to its end and marks it completed; returns its counts. */
export async function runStep(db: Db, row: StepRow, step: RewriteStep, opts: StepOptions): Promise<StepCounts> {
  const sleep = opts.sleep ?? defaultSleep;
  const counts: StepCounts = { scanned: row.scanned, changed: row.changed, skipped: row.skipped, failed: row.failed };
  const skipped = new Map<string, unknown[]>();
  let last = row.lastKey;
  for (;;) {
    const started = Date.now();
    const q = db(step.tableName)
      .select([...step.key, ...step.probe.map((p) => probeColumn(db, p))])
      .orderBy(step.key.map((column) => ({ column, order: 'asc' as const })))
      .limit(opts.batch);
    if (last) {
      const after = afterKey(step.key, last);
      q.whereRaw(after.sql, bindings(after));
    }
    const page = (await q) as StoredRow[];
    if (page.length === 0) break;
    const verdicts = page.map((r) => step.classify(r));
    const work = page.filter((_, i) => verdicts[i] === 'work').map((r) => keyOf(step.key, r));
    const unreadable = verdicts.filter((v) => v === 'failed').length;
    const lastKey = keyOf(step.key, page[page.length - 1]!);
    const locked = await withTransaction(db, async (trx) => {
      const l = work.length ? await lockAndRewrite(trx, step, work) : { changed: 0, failed: 0, missing: [] };
      await advanceStep(trx, row.id, { lastKey, scanned: page.length, changed: l.changed, skipped: l.missing.length, failed: l.failed + unreadable });
      return l;
    });
    for (const k of locked.missing) skipped.set(keyText(k), k);
    counts.scanned += page.length;
    counts.changed += locked.changed;
    counts.skipped += locked.missing.length;
    counts.failed += locked.failed + unreadable;
    last = lastKey;
    opts.onProgress?.(row, { ...counts });
    await sleep(Math.max(opts.pauseMs, Date.now() - started));
  }
  await revisit(db, row, step, skipped, counts, opts, sleep);
  await completeStep(db, row.id);
  return counts;
}

/** Rows skipped as locked, tried again a few times; a row deleted meanwhile needs nothing more. */
async function revisit(db: Db, row: StepRow, step: RewriteStep, skipped: Map<string, unknown[]>, counts: StepCounts, opts: StepOptions, sleep: (ms: number) => Promise<void>): Promise<void> {
  const rounds = opts.revisitRounds ?? 5;
  for (let round = 1; round <= rounds && skipped.size > 0; round++) {
    await sleep(Math.max(opts.pauseMs, 100 * round));
    const keys = [...skipped.values()];
    for (let i = 0; i < keys.length; i += opts.batch) {
      const chunk = keys.slice(i, i + opts.batch);
      const { locked, present } = await withTransaction(db, async (trx) => {
        const l = await lockAndRewrite(trx, step, chunk);
        const held = l.missing.length ? await presentKeys(trx, step, l.missing) : new Set<string>();
        const resolved = chunk.length - held.size;
        await advanceStep(trx, row.id, { changed: l.changed, failed: l.failed, skipped: -resolved });
        return { locked: l, present: held };
      });
      for (const k of chunk) if (!present.has(keyText(k))) skipped.delete(keyText(k));
      counts.changed += locked.changed;
      counts.failed += locked.failed;
      counts.skipped -= chunk.length - present.size;
      opts.onProgress?.(row, { ...counts });
    }
  }
}

async function presentKeys(trx: Trx, step: RewriteStep, keys: readonly unknown[][]): Promise<Set<string>> {
  const where = keyIn(step.key, keys);
  const rows = (await trx(step.tableName).select(step.key).whereRaw(where.sql, bindings(where))) as StoredRow[];
  return new Set(rows.map((r) => keyText(keyOf(step.key, r))));
}
