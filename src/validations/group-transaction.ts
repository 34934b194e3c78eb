// Group commit for the worker's row steps: the claims (or completions) of the jobs that reach the same
// step in the same event-loop turn share one transaction, so a process running hundreds of jobs pays
// one commit (one fsync, a handful of statements) per group instead of one per job. Nothing waits on a
// timer: a group is whatever arrived while the previous group was being written, so an idle worker
// writes a lone job at once and a busy one batches in proportion to its load.

import { withTransaction, type Db, type Defer, type Trx } from '../platform/db.js';

export interface GroupTransactionOptions<I, R> {
  db: Db;
  /**
   * Writes a group in the transaction it shares and returns one result per item, in order. Re-run
   * from the start on a deadlock or lock wait timeout, and with one item at a time when the group
   * fails, so it must decide everything from what it reads in `trx`.
   */
  run(trx: Trx, items: readonly I[], defer: Defer): Promise<R[]>;
  /** Items per transaction. */
  maxItems: number;
  /** Group transactions at once (each holds a pooled connection while it runs). */
  maxInFlight: number;
  /** A task deferred until after commit failed: the committed rows stand, the sweepers catch up. */
  onTaskError(err: unknown): void;
}

export interface GroupTransaction<I, R> {
  /** Resolves with the item's own result once its group has committed (and its after-commit tasks ran). */
  submit(item: I): Promise<R>;
  stats(): { waiting: number; inFlight: number; groups: number; items: number; fallbacks: number };
}

interface Pending<I, R> {
  item: I;
  resolve(r: R): void;
  reject(err: unknown): void;
}

export function createGroupTransaction<I, R>(opts: GroupTransactionOptions<I, R>): GroupTransaction<I, R> {
  const waiting: Pending<I, R>[] = [];
  let inFlight = 0;
  let scheduled = false;
  let groups = 0;
  let items = 0;
  let fallbacks = 0;

  /** One transaction for `group`, retried on 1213/1205; after-commit tasks run before anyone hears back. */
  async function commit(group: readonly Pending<I, R>[]): Promise<R[]> {
    let deferred: Array<() => Promise<void>> = [];
    const values = group.map((p) => p.item);
    const results = await withTransaction(opts.db, (trx) => {
      deferred = [];
      return opts.run(trx, values, (task) => deferred.push(task));
    });
    if (results.length !== group.length) throw new Error(`group transaction returned ${results.length} results for ${group.length} items`);
    groups++;
    items += group.length;
    await Promise.all(deferred.map((task) => task().catch(opts.onTaskError)));
    return results;
  }

  async function flush(group: Pending<I, R>[]): Promise<void> {
    try {
      const results = await commit(group);
      group.forEach((p, i) => p.resolve(results[i]!));
      return;
    } catch (err) {
      if (group.length === 1) return group[0]!.reject(err);
    }
    // The group's transaction rolled back as a whole: each item on its own, so each gets its own outcome
    // and one bad item (a value MySQL refuses) cannot fail its neighbours.
    fallbacks++;
    for (const p of group) {
      await commit([p]).then(
        (r) => p.resolve(r[0]!),
        (err: unknown) => p.reject(err),
      );
    }
  }

  function pump(): void {
    scheduled = false;
    while (inFlight < opts.maxInFlight && waiting.length > 0) {
      const group = waiting.splice(0, opts.maxItems);
      inFlight++;
      void flush(group).finally(() => {
        inFlight--;
        schedule();
      });
    }
  }

  /** After this turn's callbacks, so the jobs that reach the step in the same turn share a transaction. */
  function schedule(): void {
    if (scheduled || waiting.length === 0 || inFlight >= opts.maxInFlight) return;
    scheduled = true;
    setImmediate(pump);
  }

  return {
    submit: (item) =>
      new Promise<R>((resolve, reject) => {
        waiting.push({ item, resolve, reject });
        schedule();
      }),
    stats: () => ({ waiting: waiting.length, inFlight, groups, items, fallbacks }),
  };
}
