// What a lifecycle run (key rotation, blind-index reindex) does next, decided from its rows in
// `lifecycle_runs` alone, so a run killed at any moment and started again picks up where it stood.
//
// A run walks every step (a table and its column set) once per pass. Pass 1 rewrites; every later pass
// verifies, rewriting whatever it still finds (rows another transaction held locked, rows written
// meanwhile by a process still on the old key). The run is done after a pass in which nothing was
// changed or skipped: that pass saw every row in the state the run wants.

export type StepStatus = 'running' | 'completed' | 'superseded';

export interface StepRow {
  id: number;
  runId: string;
  kind: string;
  pass: number;
  tableName: string;
  columnSet: string;
  targetKeyId: string | null;
  lastKey: unknown[] | null;
  scanned: number;
  changed: number;
  skipped: number;
  failed: number;
  status: StepStatus;
}

export interface StepName {
  tableName: string;
  columnSet: string;
}

export type Plan =
  /** No run to continue (none yet, the last one finished, or it aimed at another target). */
  | { kind: 'new-run'; supersede: string | null }
  | { kind: 'resume'; row: StepRow }
  | { kind: 'start-step'; runId: string; pass: number; step: StepName }
  | { kind: 'done'; runId: string; pass: number };

const same = (a: StepName, b: StepName) => a.tableName === b.tableName && a.columnSet === b.columnSet;

/** A pass is clean when every step of it completed without changing or skipping a row. */
export function passIsClean(rows: readonly StepRow[], steps: readonly StepName[], pass: number): boolean {
  const ofPass = rows.filter((r) => r.pass === pass);
  return steps.every((s) => ofPass.some((r) => same(r, s) && r.status === 'completed' && r.changed === 0 && r.skipped === 0));
}

/**
 * The next thing to do, from the rows of the latest run of this kind (empty when there is none).
 * `target` is what the run converges to (the active key id): a run aimed elsewhere is superseded.
 */
export function planNext(rows: readonly StepRow[], steps: readonly StepName[], target: string | null): Plan {
  if (steps.length === 0) throw new Error('planNext: no steps');
  const live = rows.filter((r) => r.status !== 'superseded');
  if (live.length === 0) return { kind: 'new-run', supersede: null };
  const runId = live[0]!.runId;
  if (live.some((r) => r.runId !== runId)) throw new Error('planNext: rows of several runs');
  if (live.some((r) => r.targetKeyId !== target)) return { kind: 'new-run', supersede: runId };
  // Recorded with a step list that no longer exists (an upgrade added a column to a table): start over.
  if (live.some((r) => !steps.some((st) => same(r, st)))) return { kind: 'new-run', supersede: runId };
  const running = live.filter((r) => r.status === 'running');
  if (running.length > 1) throw new Error(`planNext: run ${runId} has ${running.length} running steps`);
  if (running[0]) return { kind: 'resume', row: running[0] };
  const pass = Math.max(...live.map((r) => r.pass));
  const next = steps.find((s) => !live.some((r) => r.pass === pass && same(r, s)));
  if (next) return { kind: 'start-step', runId, pass, step: next };
  if (passIsClean(live, steps, pass)) return { kind: 'done', runId, pass };
  return { kind: 'start-step', runId, pass: pass + 1, step: steps[0]! };
}

/** Sums of a run's rows: everything, and the last pass alone (what remains after the run). */
export function runTotals(rows: readonly StepRow[]) {
  const sum = (of: readonly StepRow[]) => ({
    scanned: of.reduce((n, r) => n + r.scanned, 0),
    changed: of.reduce((n, r) => n + r.changed, 0),
    skipped: of.reduce((n, r) => n + r.skipped, 0),
    failed: of.reduce((n, r) => n + r.failed, 0),
  });
  const pass = rows.length ? Math.max(...rows.map((r) => r.pass)) : 0;
  return { passes: pass, all: sum(rows), lastPass: sum(rows.filter((r) => r.pass === pass)) };
}
