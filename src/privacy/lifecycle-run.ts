// A lifecycle run from start (or from wherever a killed one stood) to a clean pass: the steps in
// order, pass after pass, as lifecycle-plan.ts decides from the rows in `lifecycle_runs`.
import type { Db } from '../platform/db.js';
import { planNext, runTotals, type StepRow } from './lifecycle-plan.js';
import { insertStep, latestRun, newRunId, runSteps, supersedeRun } from './lifecycle-run-store.js';
import { runStep, type RewriteStep, type StepCounts, type StepOptions } from './lifecycle-step.js';

export interface RunEvents {
  /** A new run is about to start its first step (after superseding `superseded`, if any). */
  runStarted?(runId: string, superseded: string | null): Promise<void>;
  /** A step starts or resumes; `rows` is the table's row count, for progress. */
  stepStarted?(row: StepRow, rows: number): void | Promise<void>;
  stepFinished?(row: StepRow, counts: StepCounts): void | Promise<void>;
}

export interface RunOptions extends StepOptions {
  kind: string;
  /** What the run converges to (the active key id); a run aimed elsewhere is superseded. */
  target: string | null;
  steps: readonly RewriteStep[];
  /** Passes this invocation may start before it gives up on the data settling. */
  maxPasses: number;
  events?: RunEvents;
}

export interface RunResult {
  runId: string;
  /** `done`: a pass found nothing to change or skip. `unsettled`: maxPasses ran and rows kept changing. */
  outcome: 'done' | 'unsettled';
  resumed: boolean;
  rows: StepRow[];
  totals: ReturnType<typeof runTotals>;
}

async function rowCount(db: Db, table: string): Promise<number> {
  const [r] = (await db(table).count({ n: '*' })) as Array<{ n: number | string }>;
  return Number(r?.n ?? 0);
}

/**
 * Runs until a clean pass. Each invocation ends with a pass it walked itself: when the latest run
 * already finished, a new one starts (rows may have been written under an old key since).
 */
export async function runLifecycle(db: Db, o: RunOptions): Promise<RunResult> {
  const names = o.steps.map((s) => ({ tableName: s.tableName, columnSet: s.columnSet }));
  let worked = false;
  let resumed = false;
  let firstPass: number | null = null;
  for (;;) {
    const rows = await latestRun(db, o.kind);
    let plan = planNext(rows, names, o.target);
    if (plan.kind === 'done' && !worked) plan = { kind: 'new-run', supersede: null };
    if (plan.kind === 'done') {
      const all = await runSteps(db, plan.runId);
      return { runId: plan.runId, outcome: 'done', resumed, rows: all, totals: runTotals(all) };
    }
    let row: StepRow;
    if (plan.kind === 'new-run') {
      if (plan.supersede) await supersedeRun(db, plan.supersede);
      const runId = newRunId();
      await o.events?.runStarted?.(runId, plan.supersede);
      row = await insertStep(db, { runId, kind: o.kind, pass: 1, step: names[0]!, targetKeyId: o.target });
    } else if (plan.kind === 'resume') {
      row = plan.row;
      resumed ||= !worked;
    } else {
      // Rows that keep changing pass after pass: something still writes under the old key.
      if (plan.pass - (firstPass ?? plan.pass) >= o.maxPasses) {
        const all = await runSteps(db, plan.runId);
        return { runId: plan.runId, outcome: 'unsettled', resumed, rows: all, totals: runTotals(all) };
      }
      row = await insertStep(db, { runId: plan.runId, kind: o.kind, pass: plan.pass, step: plan.step, targetKeyId: o.target });
    }
    firstPass ??= row.pass;
    const step = o.steps.find((s) => s.tableName === row.tableName && s.columnSet === row.columnSet);
    if (!step) throw new Error(`lifecycle run ${row.runId}: no step ${row.tableName}.${row.columnSet}`);
    await o.events?.stepStarted?.(row, await rowCount(db, step.tableName));
    const counts = await runStep(db, row, step, o);
    worked = true;
    await o.events?.stepFinished?.(row, counts);
  }
}

/**
 * Runs `work` while this process holds the database-wide lock for `kind`, on a connection of its own
 * (a named lock belongs to a session). Null when another process holds it: two runs of one kind
 * would only fight over the same rows. A killed process's lock goes with its connection.
 */
export async function withRunLock<T>(db: Db, kind: string, work: () => Promise<T>): Promise<T | null> {
  const name = db.raw("CONCAT('payval_lc_', LEFT(SHA1(CONCAT(DATABASE(), ':', ?)), 40))", [kind]);
  const conn = await db.client.acquireConnection();
  try {
    const [row] = (await db.select(db.raw('GET_LOCK(?, 0) AS got', [name])).connection(conn)) as Array<{ got: number | null }>;
    if (Number(row?.got) !== 1) return null;
    try {
      return await work();
    } finally {
      await db.select(db.raw('RELEASE_LOCK(?) AS released', [name])).connection(conn);
    }
  } finally {
    await db.client.releaseConnection(conn);
  }
}
