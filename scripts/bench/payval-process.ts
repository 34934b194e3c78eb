// payval as the benchmark's child processes: the compiled build with `npm start`'s flags, exactly what
// `npm start` runs (building first if dist/ is missing or stale), or the TypeScript sources through tsx.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeFlags } from '../../bin/node-flags.mjs';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// Preloaded into the child: when the benchmark dies (even by SIGKILL) the child's stdin reaches EOF and
// it shuts itself down, so an interrupted run leaves no payval behind.
export const LIFELINE =
  'data:text/javascript,' +
  encodeURIComponent("process.stdin.on('end',()=>process.kill(process.pid,'SIGTERM'));process.stdin.on('error',()=>{});process.stdin.resume();");

export interface PayvalProcess {
  role: string;
  pid: number;
  url: string;
  /** The last ~64 kB the child wrote (pino logs on stdout, crashes on stderr). */
  output(): string;
  alive(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('could not pick a free port');
  return address.port;
}

/** `build`: dist/src/cli/payval.js, as `npm start` runs it; `sources`: src/cli/payval.ts through tsx (development). */
export type PayvalCode = 'build' | 'sources';

let built = false;
/** `npm start`'s first step, once per benchmark: compiles to dist/ unless dist/ is the build of the current sources. */
function ensureBuild(): void {
  if (built) return;
  execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  built = true;
}

export async function startPayval(role: 'api' | 'worker' | 'all', env: Record<string, string>, readyTimeoutMs = 60_000, code: PayvalCode = 'build'): Promise<PayvalProcess> {
  const port = await freePort();
  if (code === 'build') ensureBuild();
  const entry = code === 'build' ? ['dist/src/cli/payval.js'] : ['--import', 'tsx', 'src/cli/payval.ts'];
  const child = spawn(process.execPath, [...startNodeFlags({ ...process.env, ...env, ROLE: role }), '--import', LIFELINE, ...entry, 'serve'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, ROLE: role, HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start payval (${role})`);
  children.add(child);
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-65_536);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => children.delete(child));
  const alive = () => child.exitCode === null && child.signalCode === null;

  const proc: PayvalProcess = {
    role,
    pid: child.pid,
    url: `http://127.0.0.1:${port}`,
    output: () => tail,
    alive,
    async stop(graceMs = 15_000) {
      if (!alive()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };

  // LOG_LEVEL=warn hides the "listening" line, so readiness is /readyz answering 200 (MySQL and Redis up).
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (!alive()) throw new Error(`payval (${role}) exited during start-up (${child.signalCode ?? `code ${child.exitCode}`}):\n${tail.slice(-4000)}`);
    const ok = await fetch(`${proc.url}/readyz`).then((r) => r.ok, () => false);
    if (ok) return proc;
    if (Date.now() > deadline) {
      await proc.stop(1000);
      throw new Error(`payval (${role}) not ready after ${readyTimeoutMs} ms:\n${tail.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A line of /proc/<pid>/status in MB (VmRSS now, VmHWM the peak so far); NaN once the process is gone. */
export function procMemoryMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Samples VmRSS every `everyMs`; `peak()` is the highest sample so far. */
export function sampleRss(pid: number, everyMs = 200): { peak(): number; stop(): void } {
  let peak = 0;
  const take = () => {
    const mb = procMemoryMb(pid, 'VmRSS');
    if (mb > peak) peak = mb;
  };
  take();
  const timer = setInterval(take, everyMs);
  timer.unref();
  return { peak: () => peak, stop: () => clearInterval(timer) };
}

/** The V8 flags `npm start` would run this process with (bin/node-flags.mjs), so the benchmark measures the same process. */
export function startNodeFlags(env: Record<string, string | undefined> = process.env): string[] {
  return nodeFlags(env);
}
