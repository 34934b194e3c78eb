import type { Db, Trx } from '../platform/db.js';
import { newId } from '../platform/ids.js';
import type { StepName, StepRow, StepStatus } from './lifecycle-plan.js';

export interface StepProgress {
  /** The new cursor; undefined leaves it where it is (a revisit of skipped rows). */
  lastKey?: unknown[];
  scanned?: number;
  changed?: number;
  /** May be negative: skipped rows resolved by a revisit. */
  skipped?: number;
  failed?: number;
}

const fromRow = (r: Record<string, unknown>): StepRow => ({
  id: Number(r.id),
  runId: r.run_id as string,
  kind: r.kind as string,
  pass: Number(r.pass),
  tableName: r.table_name as string,
  columnSet: r.column_set as string,
  targetKeyId: (r.target_key_id as string | null) ?? null,
  lastKey: r.last_key === null || r.last_key === undefined ? null : (JSON.parse(r.last_key as string) as unknown[]),
  scanned: Number(r.scanned),
  changed: Number(r.changed),
  skipped: Number(r.skipped),
  failed: Number(r.failed),
  status: r.status as StepStatus,
});

export const newRunId = (): string => newId('lcr');

/** Every step row of the latest run of `kind`, oldest first (empty when there has been none). */
export async function latestRun(db: Db, kind: string): Promise<StepRow[]> {
  const last = await db('lifecycle_runs').where({ kind }).orderBy('id', 'desc').first('run_id');
  if (!last) return [];
  return (await db('lifecycle_runs').where({ run_id: last.run_id }).orderBy('id')).map(fromRow);
}

export async function runSteps(db: Db, runId: string): Promise<StepRow[]> {
  return (await db('lifecycle_runs').where({ run_id: runId }).orderBy('id')).map(fromRow);
}

export async function insertStep(db: Db, s: { runId: string; kind: string; pass: number; step: StepName; targetKeyId: string | null }): Promise<StepRow> {
  const now = new Date();
  const [id] = await db('lifecycle_runs').insert({
    run_id: s.runId,
    kind: s.kind,
    pass: s.pass,
    table_name: s.step.tableName,
    column_set: s.step.columnSet,
    target_key_id: s.targetKeyId,
    last_key: null,
    status: 'running',
    started_at: now,
    updated_at: now,
  });
  const row = await db('lifecycle_runs').where({ id }).first();
  return fromRow(row);
}

/** Moves a step on; called inside the transaction that rewrote the rows it counts. */
export async function advanceStep(trx: Trx | Db, id: number, p: StepProgress): Promise<void> {
  const add = (column: string, n = 0) => trx.raw('?? + ?', [column, n]);
  await trx('lifecycle_runs')
    .where({ id })
    .update({
      ...(p.lastKey !== undefined ? { last_key: JSON.stringify(p.lastKey) } : {}),
      scanned: add('scanned', p.scanned),
      changed: add('changed', p.changed),
      skipped: add('skipped', p.skipped),
      failed: add('failed', p.failed),
      updated_at: new Date(),
    });
}

export async function completeStep(db: Db, id: number): Promise<void> {
  const now = new Date();
  await db('lifecycle_runs').where({ id, status: 'running' }).update({ status: 'completed', updated_at: now, finished_at: now });
}

/** A run aimed at another target: its unfinished steps will never be resumed. */
export async function supersedeRun(db: Db, runId: string): Promise<void> {
  const now = new Date();
  await db('lifecycle_runs').where({ run_id: runId, status: 'running' }).update({ status: 'superseded', updated_at: now, finished_at: now });
}
