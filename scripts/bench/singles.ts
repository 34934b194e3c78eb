// Single validations sent at a steady pace by a tenant (the person waiting on an answer), and their
// time to a final state read from MySQL (created_at → completed_at, both written by payval), which
// leaves this process's own scheduling out of the figure.
import type { Db } from '../../src/platform/db.js';
import { quantile } from './bench-run.js';
import type { PayeeBody } from './payees.js';

/** POSTs one validation every `everyMs` for `forS` seconds (without waiting for answers); returns the ids. */
export async function sendSingles(apiUrl: string, apiKey: string, next: () => PayeeBody, everyMs: number, forS: number): Promise<{ ids: string[]; failed: number }> {
  const ids: string[] = [];
  let failed = 0;
  const pending: Array<Promise<void>> = [];
  const start = performance.now();
  for (let i = 0; start + i * everyMs < start + forS * 1000; i++) {
    const wait = start + i * everyMs - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      fetch(`${apiUrl}/v1/validations`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(next()) })
        .then(async (res) => {
          if (res.status !== 202 && res.status !== 200) throw new Error(String(res.status));
          ids.push(((await res.json()) as { id: string }).id);
        })
        .catch(() => void failed++),
    );
  }
  await Promise.all(pending);
  return { ids, failed };
}

export interface FinalStats { count: number; notFinal: number; p50: number; p90: number; p99: number; max: number }

/**
 * Waits (up to `maxS`) for the rows to be final, then returns created → completed times in ms. A row
 * still not final counts with its age so far, so with `notFinal` > 0 the figures are lower bounds.
 */
export async function timeToFinal(db: Db, ids: string[], maxS: number): Promise<FinalStats> {
  const deadline = Date.now() + maxS * 1000;
  let rows: Array<{ created_at: Date; completed_at: Date | null }> = [];
  for (;;) {
    rows = [];
    for (let i = 0; i < ids.length; i += 1000) {
      rows.push(...((await db('validations').whereIn('id', ids.slice(i, i + 1000)).select('created_at', 'completed_at')) as typeof rows));
    }
    if (rows.every((r) => r.completed_at !== null) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const now = Date.now();
  const ms = rows.map((r) => (r.completed_at === null ? now : new Date(r.completed_at).getTime()) - new Date(r.created_at).getTime());
  return { count: ids.length, notFinal: rows.filter((r) => r.completed_at === null).length, p50: quantile(ms, 0.5), p90: quantile(ms, 0.9), p99: quantile(ms, 0.99), max: quantile(ms, 1) };
}

/** Final validations of a batch (or of a tenant when `batchId` is null). */
export async function finalCount(db: Db, where: { batch_id?: string; tenant_id?: string }): Promise<number> {
  const [row] = (await db('validations').where(where).whereIn('status', ['completed', 'failed']).count({ n: '*' })) as Array<{ n: number | string }>;
  return Number(row?.n ?? 0);
}
