// docker-compose.yml must start as written. No Docker engine runs here, so the test reads the file as
// compose would and runs payval's own services (partner-sim, api, worker) as local processes with their
// compose environment and command — only host names and ports are pointed at this machine.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/config.js';
import { dropDatabase } from '../../src/platform/db.js';
import { payvalServices, type ComposeService } from '../helpers/compose-file.js';
import { eventually } from '../helpers/test-stack.js';

const run = promisify(execFile);
const SECRETS = { ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`, BLIND_INDEX_KEY: randomBytes(32).toString('base64') };
const DB_URL = `${process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306'}/payval_test_compose_${randomBytes(4).toString('hex')}`;
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `cmp${randomBytes(3).toString('hex')}`;
const children: ChildProcess[] = [];

after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await dropDatabase(DB_URL).catch(() => undefined);
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${PREFIX}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}

/** The service's compose environment with the compose network's host names pointed at this machine. */
function local(service: ComposeService, simPort: number): Record<string, string> {
  const env = { ...service.env };
  for (const [k, v] of Object.entries(env)) env[k] = v.replace('partner-sim:4010', `127.0.0.1:${simPort}`);
  if (env.DATABASE_URL) env.DATABASE_URL = DB_URL;
  if (env.REDIS_URL) env.REDIS_URL = REDIS_URL;
  return { ...env, HOST: '127.0.0.1', PORT: '0', QUEUE_PREFIX: PREFIX, LOG_LEVEL: 'info', PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' };
}

function start(service: ComposeService, env: Record<string, string>, args: string[], ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray; output: () => string }> {
  assert.equal(args[0], 'node', `${service.name} runs node`);
  const child = spawn(process.execPath, args.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${service.name} did not start: ${out}`)), 60_000);
    const onData = (d: Buffer) => {
      out += d;
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, match: m, output: () => out });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${service.name} exited with ${code}: ${out}`));
    });
  });
}

describe('docker-compose.yml (a sandbox deployment)', () => {
  const services = payvalServices(SECRETS);
  const byName = (name: string) => services.find((s) => s.name === name) ?? assert.fail(`no ${name} service`);

  it('refuses to start without the secrets, and every payval service configuration loads as written', () => {
    assert.throws(() => payvalServices({}), /ENCRYPTION_KEYS is required/);
    assert.deepEqual(services.map((s) => s.name).sort(), ['api', 'partner-sim', 'worker']);
    for (const s of services.filter((x) => x.name !== 'partner-sim')) {
      const c = loadConfig(s.env);
      assert.equal(c.role, s.name === 'api' ? 'api' : 'worker');
      assert.deepEqual(c.partners.enabled.map((p) => p.name), ['sandbox']);
    }
    assert.ok(byName('worker').dependsOn.includes('partner-sim'));
    // api and worker start together (both migrate: see concurrent-startup.test.ts) and come back if they exit.
    for (const name of ['api', 'worker']) assert.equal(byName(name).restart, 'unless-stopped', `${name} restarts`);
  });

  it('runs: partner simulator, API and worker start, the documented tenants command issues a key, a validation completes', async () => {
    const simPort = await freePort();
    const sim = byName('partner-sim');
    const simArgs = sim.command.map((a, i) => (sim.command[i - 1] === '--port' ? String(simPort) : a));
    await start(sim, local(sim, simPort), simArgs, /listening/i);

    const api = byName('api');
    const apiEnv = local(api, simPort);
    const apiProc = await start(api, apiEnv, api.command, /payval listening on (http:\/\/[^"\s]+)/);
    const url = apiProc.match[1]!;
    const worker = byName('worker');
    await start(worker, local(worker, simPort), worker.command, /payval worker running/);

    // The command in the file's header comment, run with the api service's environment.
    const created = await run(process.execPath, ['bin/payval.mjs', 'tenants', 'create', '--name', 'Acme', '--json'], { env: apiEnv, timeout: 60_000 });
    const { api_key: key } = JSON.parse(created.stdout) as { api_key: string };
    assert.match(key, /^pv_test_/);

    const res = await fetch(`${url}/v1/validations?wait=10`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'bank_account', bank_account: { account_number: '50100012345671', ifsc: 'HDFC0000001' }, name: 'Ramesh Kumar' }),
    });
    const body = (await res.json()) as { id: string; status: string; result: { partner: string; registered_name: string } | null };
    const final = body.status === 'completed' ? body : await eventually(async () => {
      const r = await fetch(`${url}/v1/validations/${body.id}`, { headers: { authorization: `Bearer ${key}` } });
      const v = (await r.json()) as typeof body;
      return v.status === 'completed' ? v : null;
    }, 'the validation to complete', 60_000);
    assert.equal(final.result?.partner, 'sandbox');
    assert.equal(final.result?.registered_name, 'RAMESH KUMAR');
    // The answer came from the partner-sim service, not from a simulator embedded in the worker.
    const stats = (await (await fetch(`http://127.0.0.1:${simPort}/_sim/stats`)).json()) as { providers: Record<string, { charges: number }> };
    assert.equal(stats.providers.sandbox?.charges, 1);
  });
});
