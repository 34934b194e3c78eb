// A benchmark's bare baselines as child processes, started with the same V8 flags as `npm start` and
// the same TypeScript loader, so the comparison with payval's own process is like for like. The child
// announces itself with one `READY {json}` line on stdout and may end with a `RESULT {json}` line.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LIFELINE, startNodeFlags, type PayvalProcess } from './payval-process.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export interface NodeChild extends PayvalProcess {
  ready: Record<string, unknown>;
  /** Resolves with the child's RESULT line (or rejects when it exits without one). */
  result(): Promise<Record<string, unknown>>;
}

export async function startNodeChild(script: string, env: Record<string, string>, readyTimeoutMs = 60_000): Promise<NodeChild> {
  const child = spawn(process.execPath, [...startNodeFlags({ ROLE: 'worker', WORKER_CONCURRENCY: env.CONCURRENCY }), '--import', 'tsx', '--import', LIFELINE, path.join(HERE, script)], {
    cwd: path.resolve(HERE, '../..'),
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${script}`);
  let tail = '';
  let pending = '';
  let onReady: (v: Record<string, unknown>) => void = () => undefined;
  let onResult: (v: Record<string, unknown>) => void = () => undefined;
  const ready = new Promise<Record<string, unknown>>((r) => (onReady = r));
  const resultP = new Promise<Record<string, unknown>>((r) => (onResult = r));
  child.stdout!.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    tail = (tail + text).slice(-65_536);
    pending += text;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line.startsWith('READY ')) onReady(JSON.parse(line.slice(6)) as Record<string, unknown>);
      if (line.startsWith('RESULT ')) onResult(JSON.parse(line.slice(7)) as Record<string, unknown>);
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (tail = (tail + chunk.toString('utf8')).slice(-65_536)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const stop = async (graceMs = 15_000) => {
    if (!alive()) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  const failed = exited.then(() => {
    throw new Error(`${script} exited (code ${child.exitCode}, signal ${child.signalCode}):\n${tail.slice(-3000)}`);
  });
  failed.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${script} not ready after ${readyTimeoutMs} ms:\n${tail.slice(-3000)}`)), readyTimeoutMs);
  });
  try {
    const info = await Promise.race([ready, failed, timeout]);
    return {
      role: script.replace(/\.ts$/, ''),
      pid: child.pid,
      url: typeof info.url === 'string' ? info.url : '',
      ready: info,
      output: () => tail,
      alive,
      stop,
      result: () => Promise.race([resultP, failed]),
    };
  } catch (err) {
    await stop(1000);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
