// A payval worker in its own OS process, so a test can SIGKILL it mid-job the way a crashed pod or an
// OOM kill would end it: no shutdown hooks, no lock release, sockets torn down by the kernel.
//
// Run directly (`node --import tsx test/helpers/worker-process.ts`) this file is the child's entry
// point; imported, it exports `spawnWorkerProcess` for the test that drives the child.

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const REPO_ROOT = path.resolve(path.dirname(SELF), '../..');

/** Logged (as pino's `msg`) once the child's runtime is consuming jobs. */
export const WORKER_READY_MESSAGE = 'worker process ready';

export interface WorkerProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Everything the child wrote to stdout and stderr so far (its pino logs are on stdout). */
  output(): string;
  /** Resolves once the child logged WORKER_READY_MESSAGE; rejects if it exits or times out first. */
  ready(): Promise<void>;
  /** Sends `signal` (default SIGKILL) unless the child already exited, then waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `test/helpers/worker-process.ts` under tsx with exactly `env` (plus PATH/HOME so node runs).
 * The child's stdin stays open as a lifeline: if this process dies, the child sees EOF and exits.
 */
export function spawnWorkerProcess(env: Record<string, string>, opts: { readyTimeoutMs?: number } = {}): WorkerProcess {
  const readyTimeoutMs = opts.readyTimeoutMs ?? 30_000;
  const childEnv: Record<string, string> = { ...env };
  for (const k of ['PATH', 'HOME', 'TMPDIR']) {
    const v = process.env[k];
    if (v !== undefined && childEnv[k] === undefined) childEnv[k] = v;
  }
  const child = spawn(process.execPath, ['--import', 'tsx', path.relative(REPO_ROOT, SELF)], {
    cwd: REPO_ROOT,
    env: childEnv,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('could not spawn the worker process');

  const chunks: string[] = [];
  let sawReady = false;
  let pending = '';
  const readyWaiters = new Set<() => void>();
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    chunks.push(chunk);
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    if (!sawReady && lines.some(isReadyLine)) {
      sawReady = true;
      for (const wake of readyWaiters) wake();
    }
  });
  child.stderr!.on('data', (chunk: string) => chunks.push(chunk));
  // The child may already be gone when we write or end its stdin; that is not an error here.
  child.stdin!.on('error', () => undefined);

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  void exited.then((info) => {
    exitInfo = info;
    for (const wake of readyWaiters) wake();
  });

  const output = () => chunks.join('');

  return {
    pid: child.pid,
    child,
    output,
    exited,
    ready() {
      return new Promise<void>((resolve, reject) => {
        const check = (): boolean => {
          if (sawReady) {
            resolve();
            return true;
          }
          if (exitInfo) {
            reject(new Error(`worker process exited (${exitInfo.signal ?? exitInfo.code}) before it was ready:\n${output().slice(-4000)}`));
            return true;
          }
          return false;
        };
        if (check()) return;
        const timer = setTimeout(() => {
          readyWaiters.delete(wake);
          reject(new Error(`worker process not ready after ${readyTimeoutMs} ms:\n${output().slice(-4000)}`));
        }, readyTimeoutMs);
        const wake = (): void => {
          if (check()) {
            clearTimeout(timer);
            readyWaiters.delete(wake);
          }
        };
        readyWaiters.add(wake);
      });
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

function isReadyLine(line: string): boolean {
  if (!line.includes(WORKER_READY_MESSAGE)) return false;
  try {
    return (JSON.parse(line) as { msg?: unknown }).msg === WORKER_READY_MESSAGE;
  } catch {
    return false;
  }
}

/** The child: one payval runtime, configured from the environment like `payval serve`, logging to stdout. */
async function main(): Promise<void> {
  const { ConfigError, loadConfig } = await import('../../src/config.js');
  const { createLogger } = await import('../../src/platform/logger.js');
  const { startRuntime } = await import('../../src/runtime.js');

  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    process.stderr.write(`worker-process: ${err instanceof ConfigError ? err.message : String(err)}\n`);
    process.exit(78);
  }
  const logger = createLogger(config.logLevel);
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled promise rejection'));
  const runtime = await startRuntime(config, logger, { listen: false });
  logger.info({ role: config.role, pid: process.pid }, WORKER_READY_MESSAGE);

  let stopping = false;
  const stop = (reason: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'worker process stopping');
    setTimeout(() => process.exit(1), config.shutdownTimeoutMs).unref();
    runtime.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  // Lifeline: the parent holds our stdin; EOF means the test process is gone, so do not linger.
  process.stdin.on('end', () => stop('parent gone'));
  process.stdin.on('error', () => stop('parent gone'));
  process.stdin.resume();
}

const invokedPath = process.argv[1] ? path.resolve(process.argv[1]) : '';
if (invokedPath === SELF) {
  main().catch((err: unknown) => {
    process.stderr.write(`worker-process: failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  });
}
