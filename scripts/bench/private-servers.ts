// A private MariaDB and Redis for counting (`--mysql-counters`): SHOW GLOBAL STATUS and INFO
// commandstats are server-wide, and the shared servers of a development machine also serve other
// people's tests, so exact per-validation counts need servers that only this run talks to. Same
// binaries as the shared ones; the InnoDB settings that decide commits and fsyncs mirror the shared
// MariaDB of the development machines (flush at every commit, O_DIRECT, no binary log).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import knexFactory from 'knex';
import { freePort } from './payval-process.js';

export interface PrivateServers { mysqlBase: string; redisUrl: string; mysqldPid: number; stop(): Promise<void> }

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} did not start within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

export async function startPrivateServers(): Promise<PrivateServers> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'payval-bench-servers-'));
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(children.map(stopChild));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const [mysqlPort, redisPort] = [await freePort(), await freePort()];
    await promisify(execFile)('mariadb-install-db', ['--no-defaults', `--datadir=${dir}/data`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db']);
    const mysqld = spawn('mariadbd', [
      '--no-defaults', `--datadir=${dir}/data`, '--user=root', `--port=${mysqlPort}`, '--bind-address=127.0.0.1', `--socket=${dir}/mysql.sock`,
      '--skip-log-bin', '--innodb-buffer-pool-size=128M', '--innodb-log-file-size=96M', '--innodb-flush-method=O_DIRECT',
      '--innodb-flush-log-at-trx-commit=1', '--max-connections=2000',
    ], { stdio: 'ignore' });
    children.push(mysqld);
    const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
    children.push(redis);
    const mysqlBase = `mysql://root@127.0.0.1:${mysqlPort}`;
    const redisUrl = `redis://127.0.0.1:${redisPort}`;
    // TCP first: knex prints every refused connection of a pool to the console.
    await until('private MariaDB port', () => new Promise<boolean>((resolve) => {
      const socket = connect(mysqlPort, '127.0.0.1', () => resolve(!!socket.end()));
      socket.once('error', () => resolve(false));
    }));
    await until('private MariaDB', async () => {
      const k = knexFactory({ client: 'mysql2', connection: { host: '127.0.0.1', port: mysqlPort, user: 'root' }, pool: { min: 0, max: 1 } });
      try {
        await k.raw('SELECT 1');
        return true;
      } finally {
        await k.destroy();
      }
    });
    await until('private Redis', async () => {
      const r = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      try {
        await r.connect();
        return (await r.ping()) === 'PONG';
      } finally {
        r.disconnect();
      }
    });
    return { mysqlBase, redisUrl, mysqldPid: mysqld.pid ?? Number.NaN, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
