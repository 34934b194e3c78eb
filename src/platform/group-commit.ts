import { withTransaction, type Db, type Trx } from './db.js';

export interface GroupCommitOptions<T> {
  db: Db;
  /** Writes a group's items in the transaction they share; runs again with one item each if it fails. */
  write(trx: Trx, items: readonly T[]): Promise<void>;
  /** After a group's commit, before its submitters hear of it (such as enqueueing what was written). */
  afterCommit?(items: readonly T[]): Promise<void>;
  /** Items per transaction. */
  maxItems: number;
  /** Group transactions at once; keep it below the pool size so reads still get connections. */
  maxInFlight: number;
}

export interface GroupCommit<T> {
  /** Resolves once `item` is committed (and its group's afterCommit ran); rejects with its own error only. */
  submit(item: T): Promise<void>;
  /** Items waiting for a transaction, and transactions running: for metrics and tests. */
  stats(): { waiting: number; inFlight: number; groups: number; items: number };
}

interface Pending<T> { item: T; resolve(): void; reject(err: unknown): void }

/**
 * Group commit: writes that arrive together share one transaction, so N concurrent requests cost one
 * commit (one fsync) instead of N, and one multi-row INSERT instead of N round trips. Nothing waits
 * on a timer: the items of one event-loop turn go together, and while `maxInFlight` transactions run,
 * newcomers gather for the next. An idle service therefore writes each request at once, and a busy
 * one batches in proportion to its load. Each submitter is answered only after its own row committed.
 *
 * A group that fails (one item a duplicate, a key taken over, a deadlock past its retries) is retried
 * item by item, so each submitter gets its own outcome and a bad item never fails its neighbours.
 */
export function createGroupCommit<T>(opts: GroupCommitOptions<T>): GroupCommit<T> {
  const waiting: Pending<T>[] = [];
  let inFlight = 0;
  let scheduled = false;
  let groups = 0;
  let items = 0;

  async function commit(group: readonly Pending<T>[]): Promise<void> {
    const values = group.map((p) => p.item);
    await withTransaction(opts.db, (trx) => opts.write(trx, values));
    groups++;
    items += values.length;
    if (opts.afterCommit) await opts.afterCommit(values);
  }

  async function flush(group: Pending<T>[]): Promise<void> {
    try {
      await commit(group);
      for (const p of group) p.resolve();
      return;
    } catch (err) {
      if (group.length === 1) {
        group[0]!.reject(err);
        return;
      }
    }
    // Nothing of the group was committed (its transaction rolled back): each item on its own.
    await Promise.all(group.map((p) => commit([p]).then(p.resolve, p.reject)));
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

  /** After this turn's I/O callbacks, so the requests parsed in the same turn share a transaction. */
  function schedule(): void {
    if (scheduled || waiting.length === 0) return;
    scheduled = true;
    setImmediate(pump);
  }

  return {
    submit(item: T): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        waiting.push({ item, resolve, reject });
        schedule();
      });
    },
    stats: () => ({ waiting: waiting.length, inFlight, groups, items }),
  };
}
