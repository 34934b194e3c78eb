// What chaos:redis-wipe checks after the batch drained: MySQL's account of every row, the partner
// simulator's ledger of charges, and what the workers' logs say about the recovery.
import type { Db } from '../../src/platform/db.js';
import type { PartnerSimulator } from '../../src/partners/simulator/sim-server.js';
import { SWEEPER_REQUEUED_MESSAGE } from '../../src/validations/lost-job-recovery.js';
import { REDIS_LOST_MESSAGE } from '../../src/validations/validation-sweeper.js';
import { FEED_RESTARTED_MESSAGE } from '../../src/batches/batch-sweep.js';
import { findBatchById } from '../../src/batches/batch-store.js';

export interface Integrity {
  ok: boolean;
  problems: string[];
  completed: number;
  failed: number;
  /** Validations the partner billed once, and those it never billed (an answer reused from another). */
  chargedOnce: number;
  notCharged: number;
  chargedTwice: number;
}

/**
 * Every accepted row final exactly once: the batch's buckets add up to its accepted rows with nothing
 * left queued or processing, each validation is final, and the rows its validations stand for
 * (`batch_row_count`, duplicates collapse onto one) add up to the same buckets. No validation billed
 * twice by the partner.
 */
export async function checkBatchIntegrity(db: Db, sim: PartnerSimulator, batchId: string, accepted: number): Promise<Integrity> {
  const problems: string[] = [];
  // The batch's counts as the API reports them: summed from its counter shards.
  const b = (await findBatchById(db, batchId))!;
  const n = (v: unknown) => Number(v ?? 0);
  if (b.status !== 'completed') problems.push(`batch ${b.status}`);
  if (b.acceptedRows !== accepted) problems.push(`accepted_rows ${b.acceptedRows} ≠ ${accepted}`);
  if (b.completedRows + b.failedRows !== accepted) problems.push(`completed + failed = ${b.completedRows + b.failedRows} ≠ ${accepted}`);
  if (b.queuedRows !== 0 || b.processingRows !== 0) problems.push(`queued ${b.queuedRows}, processing ${b.processingRows} left`);

  const rows = { completed: 0, failed: 0 };
  let chargedOnce = 0;
  let notCharged = 0;
  let chargedTwice = 0;
  let after = '';
  for (;;) {
    const page: Array<{ id: string; status: string; batch_row_count: number }> = await db('validations')
      .where('batch_id', batchId)
      .where('id', '>', after)
      .orderBy('id')
      .limit(10_000)
      .select('id', 'status', 'batch_row_count');
    if (page.length === 0) break;
    for (const v of page) {
      if (v.status === 'completed' || v.status === 'failed') rows[v.status] += n(v.batch_row_count);
      else problems.push(`validation ${v.id} is ${v.status}`);
      const charges = sim.chargesFor(v.id);
      if (charges === 0) notCharged++;
      else if (charges === 1) chargedOnce++;
      else chargedTwice++;
    }
    after = page[page.length - 1]!.id;
  }
  if (rows.completed !== b.completedRows || rows.failed !== b.failedRows) {
    problems.push(`validations account for ${rows.completed} completed / ${rows.failed} failed rows, the batch for ${b.completedRows} / ${b.failedRows}`);
  }
  if (chargedTwice > 0 || sim.stats().referencesChargedMoreThanOnce > 0) problems.push(`${chargedTwice} validations charged more than once`);
  return { ok: problems.length === 0, problems: problems.slice(0, 10), completed: rows.completed, failed: rows.failed, chargedOnce, notCharged, chargedTwice };
}

export interface RecoveryLog {
  noticedAfterMs: number | null;
  requeued: number | null;
  pages: number | null;
  seconds: number | null;
  feedsRestarted: number;
}

/** Reads the workers' JSON log tails (LOG_LEVEL=warn) for what happened after `since`. */
export function recoveryLogFigures(outputs: readonly string[], since: number): RecoveryLog {
  const lines = outputs
    .flatMap((o) => o.split('\n'))
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      try {
        return JSON.parse(l) as { msg?: string; time?: number; [k: string]: unknown };
      } catch {
        return {};
      }
    })
    .filter((l) => typeof l.time === 'number' && l.time >= since);
  const noticed = lines.filter((l) => l.msg === REDIS_LOST_MESSAGE).map((l) => l.time!);
  const recovered = lines.filter((l) => l.msg === SWEEPER_REQUEUED_MESSAGE && l.source === 'recovery');
  const sum = (k: string) => (recovered.length ? recovered.reduce((a, l) => a + Number(l[k] ?? 0), 0) : null);
  return {
    noticedAfterMs: noticed.length ? Math.min(...noticed) - since : null,
    requeued: sum('requeued'),
    pages: sum('pages'),
    seconds: recovered.length ? Math.max(...recovered.map((l) => Number(l.seconds ?? 0))) : null,
    feedsRestarted: lines.filter((l) => l.msg === FEED_RESTARTED_MESSAGE).length,
  };
}
