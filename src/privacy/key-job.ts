// A lifecycle run over key material (rotation, blind-index reindex), audited system-wide: tenant NULL,
// actor `cli`, ids and counts only. Operators see these entries; no tenant's audit view does.
import type { Db } from '../platform/db.js';
import { appendAudit } from '../platform/audit-store.js';
import { runLifecycle, type RunEvents, type RunResult } from './lifecycle-run.js';
import type { RewriteStep, StepOptions } from './lifecycle-step.js';

export interface KeyJobOptions extends Pick<StepOptions, 'batch' | 'pauseMs' | 'onProgress' | 'sleep'> {
  maxPasses?: number;
  events?: Omit<RunEvents, 'runStarted'>;
}

export interface KeyJob {
  kind: string;
  /** `keys.rotation` → `keys.rotation_started`, `keys.rotation_completed`. */
  audit: string;
  target: string;
  steps: readonly RewriteStep[];
}

export async function runKeyJob(db: Db, job: KeyJob, o: KeyJobOptions): Promise<RunResult> {
  const audit = (what: string, runId: string, details: Record<string, string | number | null>) =>
    appendAudit(db, { tenantId: null, actor: 'cli', action: `${job.audit}_${what}`, targetType: 'lifecycle_run', targetId: runId, details: { target_key_id: job.target, ...details } });
  const result = await runLifecycle(db, {
    kind: job.kind,
    target: job.target,
    steps: job.steps,
    maxPasses: o.maxPasses ?? 5,
    batch: o.batch,
    pauseMs: o.pauseMs,
    ...(o.sleep ? { sleep: o.sleep } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    events: { ...o.events, runStarted: (runId, superseded) => audit('started', runId, { superseded_run: superseded }) },
  });
  if (result.outcome === 'done') {
    const { passes, all, lastPass } = result.totals;
    await audit('completed', result.runId, { passes, rewritten: all.changed, failed: lastPass.failed });
  }
  return result;
}
