// The `payval keys …` lifecycle commands as child processes, the way an operator runs them: to the
// end, or SIGKILLed once the run has committed progress (then its step must still be `running`, so a
// second run has something to resume).
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import type { Db } from '../../src/platform/db.js';
import { eventually } from './test-stack.js';

export interface CliResult { code: number; stdout: string; stderr: string }

/** Runs `payval …args` to its end with `env` (the test's, plus keys); `log` receives everything it printed. */
export function runPayval(args: string[], env: Record<string, string>, log: (text: string) => void): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/payval.mjs', ...args], { env: { ...process.env, ...env, LOG_LEVEL: 'warn' }, timeout: 300_000 }, (err, stdout, stderr) => {
      log(stdout + stderr);
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/**
 * Starts `payval …args`, SIGKILLs it once the lifecycle run `kind` has committed progress, and returns
 * the step it left running (a `lifecycle_runs` row) after checking it is one of `table`.
 */
export async function killMidRun(db: Db, kind: string, table: string, args: string[], env: Record<string, string>, log: (text: string) => void): Promise<Record<string, any>> {
  const child = spawn(process.execPath, ['bin/payval.mjs', ...args], { env: { ...process.env, ...env, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  await eventually(async () => Number((await db('lifecycle_runs').where({ kind }).sum({ n: 'changed' }))[0]?.n ?? 0) > 0, 'the first run to commit progress', 120_000);
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL', output);
  log(output);
  const [step] = await db('lifecycle_runs').where({ kind, status: 'running' });
  assert.ok(step, 'the killed run left its step running');
  assert.equal(step.table_name, table);
  assert.ok(Number(step.changed) > 0 && step.last_key, JSON.stringify(step));
  return step;
}
