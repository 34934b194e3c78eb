// Retention: purges the personal data of every tenant's validations and batches older than the
// tenant's retention, as a duty of the sweeper's leader (one process at a time). It walks each
// (tenant, mode) by id from where it got to (retention_cursors), one short transaction per page, and
// rests at least as long as each page took, so reads and new validations keep their latency while a
// backlog of a million rows drains (`npm run bench:purge`). See docs/decisions/0033.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../platform/db.js';
import { withTransaction } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';
import { appendAudit } from '../platform/audit-store.js';
import { retentionBound } from './retention-policy.js';
import { BATCH_ROW_RANGE, purgeBatch, purgeBatchRowRange, purgeValidations } from './purge-store.js';
import { readCursor, writeCursor, type RetentionTable } from './retention-cursors.js';
import type { PurgeTable } from './privacy-metrics.js';
import { isFinal, type ValidationStatus } from '../validations/validation-types.js';

export interface RetentionSweepDeps {
  db: Db;
  logger: Logger;
  /** Service default; a tenant's `retention_days` setting overrides it. */
  defaultDays: number;
  pageSize: number;
  /** The least rest between pages; each rest is at least as long as the page before it took. */
  pauseMs: number;
  /** How often the tenants are checked for data past retention when nothing is left to do. */
  scanEveryMs: number;
  /** Fails unfinished validations through the worker's final step (batch counters, events); ids of one tenant. */
  failUnfinished(ids: readonly string[], code: string): Promise<void>;
  onPurged?(table: PurgeTable, n: number): void;
  /** The clock retention is measured against (tests move it forward). */
  now?: () => Date;
}

interface Scope {
  tenantId: string;
  livemode: boolean;
  days: number;
  /** Counts purged in this pass, audited when the scope is done. */
  purged: { validations: number; batches: number; unfinishedFailed: number };
  /** Failed steps in this pass. */
  failures: number;
}

/** Failed steps after which a scope waits for the next scan. */
const FAILURES_PER_PASS = 3;

export function createRetentionSweep(deps: RetentionSweepDeps) {
  const { db } = deps;
  let queue: Scope[] = [];
  let nextScanAt = 0;

  async function scopes(): Promise<Scope[]> {
    const rows: Array<{ id: string; retention_days: number | null }> = await db('tenants')
      .leftJoin('tenant_settings', 'tenant_settings.tenant_id', 'tenants.id')
      .orderBy('tenants.id')
      .select('tenants.id', 'tenant_settings.retention_days');
    return rows.flatMap((r) =>
      [true, false].map((livemode) => ({ tenantId: r.id, livemode, days: r.retention_days ?? deps.defaultDays, purged: { validations: 0, batches: 0, unfinishedFailed: 0 }, failures: 0 })),
    );
  }

  /** One page of validations past retention; false when there is nothing (more) to do now. */
  async function validationsPage(s: Scope, now: Date): Promise<boolean> {
    const cursor = (await readCursor(db, s.tenantId, s.livemode, 'validations')) ?? '';
    const page: Array<{ id: string; status: ValidationStatus }> = await db
      .from(db.raw('?? FORCE INDEX (??)', ['validations', 'validations_scope_id_idx']))
      .where({ tenant_id: s.tenantId, livemode: s.livemode })
      .where('id', '>', cursor)
      .where('id', '<', retentionBound('val', now, s.days))
      .orderBy('id')
      .limit(deps.pageSize)
      .select('id', 'status');
    if (page.length === 0) return false;
    // A row still unfinished this long after it was created is abandoned: it fails (its batch counts it) before it is purged.
    const unfinished = page.filter((r) => !isFinal(r.status)).map((r) => r.id);
    if (unfinished.length > 0) {
      await deps.failUnfinished(unfinished, 'validation.expired');
      s.purged.unfinishedFailed += unfinished.length;
    }
    const ids = page.map((r) => r.id);
    const result = await withTransaction(db, async (trx) => {
      const r = await purgeValidations(trx, s.tenantId, ids, now);
      // A row that is still unfinished (a worker raced the failure) stops the cursor just before it: the next pass retries it.
      const stuck = r.unfinished.length > 0 ? ids.indexOf([...r.unfinished].sort()[0]!) : ids.length;
      if (stuck > 0) await writeCursor(trx, s.tenantId, s.livemode, 'validations', ids[stuck - 1]!, now);
      return { ...r, advanced: stuck > 0 };
    });
    s.purged.validations += result.purged.length;
    deps.onPurged?.('validations', result.purged.length);
    deps.onPurged?.('webhook_events', result.events);
    return result.advanced;
  }

  /** The next batch past retention, rows first (range by range), then the batch itself; false when none is ready. */
  async function batchStep(s: Scope, now: Date, shouldStop: () => boolean): Promise<boolean> {
    const cursor = (await readCursor(db, s.tenantId, s.livemode, 'batches')) ?? '';
    const batch: { id: string; status: string } | undefined = await db
      .from(db.raw('?? FORCE INDEX (??)', ['batches', 'batches_scope_id_idx']))
      .where({ tenant_id: s.tenantId, livemode: s.livemode })
      .where('id', '>', cursor)
      .where('id', '<', retentionBound('bat', now, s.days))
      .orderBy('id')
      .first('id', 'status');
    // An unfinished batch waits: its rows fail as expired above, and then it completes.
    if (!batch || (batch.status !== 'completed' && batch.status !== 'failed')) return false;
    const rowsCursor = await readCursor(db, s.tenantId, s.livemode, 'batch_rows');
    let after = rowsCursor?.startsWith(`${batch.id}:`) ? Number(rowsCursor.slice(batch.id.length + 1)) : -1;
    const last = Number((await db('batch_rows').where({ batch_id: batch.id }).max({ n: 'row_number' }).first())?.n ?? -1);
    while (after < last) {
      if (shouldStop()) return true;
      const started = Date.now();
      const through = Math.min(last, after + BATCH_ROW_RANGE);
      const rows = await purgeBatchRowRange(db, batch.id, after, through);
      deps.onPurged?.('batch_rows', rows);
      await writeCursor(db, s.tenantId, s.livemode, 'batch_rows', `${batch.id}:${through}`, now);
      after = through;
      await rest(started);
    }
    const events = await withTransaction(db, async (trx) => {
      const done = await purgeBatch(trx, s.tenantId, batch.id, now);
      await writeCursor(trx, s.tenantId, s.livemode, 'batches', batch.id, now);
      return done;
    });
    if (events) s.purged.batches++;
    deps.onPurged?.('batches', events ? 1 : 0);
    return true;
  }

  const rest = (startedAt: number) => sleep(Math.max(deps.pauseMs, Date.now() - startedAt));

  async function finishScope(s: Scope): Promise<void> {
    const { validations, batches, unfinishedFailed } = s.purged;
    if (validations + batches === 0) return;
    await appendAudit(db, {
      tenantId: s.tenantId,
      actor: 'system',
      action: 'retention.purged',
      targetType: 'tenant',
      targetId: s.tenantId,
      details: { livemode: s.livemode, retention_days: s.days, validations, batches, unfinished_failed: unfinishedFailed },
    });
    deps.logger.info({ tenantId: s.tenantId, livemode: s.livemode, validations, batches }, 'retention purged personal data past the retention period');
  }

  /**
   * Works through the scopes with data past retention until none is left or `shouldStop` (leadership
   * lost, shutting down); the next run carries on where this one stopped.
   */
  async function run(shouldStop: () => boolean): Promise<void> {
    if (queue.length === 0) {
      if (Date.now() < nextScanAt) return;
      nextScanAt = Date.now() + deps.scanEveryMs;
      queue = await scopes();
    }
    while (queue.length > 0 && !shouldStop()) {
      const s = queue[0]!;
      const started = Date.now();
      const now = deps.now?.() ?? new Date();
      let more: boolean;
      try {
        more = (await validationsPage(s, now)) || (await batchStep(s, now, shouldStop));
      } catch (err) {
        // A scope that fails goes to the back of the queue and this run ends (the next kick goes on):
        // one tenant that keeps failing holds up nobody, and after FAILURES_PER_PASS it waits for the
        // next scan; a short outage costs each scope a failure, not the pass.
        s.failures++;
        queue.shift();
        if (s.failures < FAILURES_PER_PASS) queue.push(s);
        else await finishScope(s);
        deps.logger.warn({ err, tenantId: s.tenantId, livemode: s.livemode, failures: s.failures }, 'retention failed for a tenant; the others go first');
        return;
      }
      if (!more) {
        queue.shift();
        await finishScope(s);
        continue;
      }
      await rest(started);
    }
  }

  return { run };
}

export type RetentionSweep = ReturnType<typeof createRetentionSweep>;
export type { RetentionTable };
