import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Runtime } from '../../src/runtime.js';
import { createTestContext, type TestContext } from '../helpers/test-stack.js';

const run = promisify(execFile);

let ctx: TestContext;
let rt: Runtime;
let key: string;
let dir: string;

before(async () => {
  ctx = await createTestContext();
  rt = await ctx.start({}, { listen: true });
  ({ apiKey: key } = await ctx.createTenant('Ops'));
  dir = await mkdtemp(path.join(tmpdir(), 'payval-upload-'));
});
after(async () => {
  await ctx.close();
  await rm(dir, { recursive: true, force: true });
});

async function upload(args: string[], env: Record<string, string> = {}) {
  try {
    const r = await run(process.execPath, ['bin/payval.mjs', 'upload', ...args], {
      env: { ...process.env, PAYVAL_API_KEY: key, PAYVAL_URL: rt.url!, ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('payval upload', () => {
  it('uploads a CSV, waits for the batch, and writes the results file', async () => {
    const file = path.join(dir, 'payees.csv');
    const out = path.join(dir, 'results.csv');
    const lines = ['account_number,ifsc,name,reference_id'];
    for (let i = 0; i < 40; i++) lines.push(`${5010001200 + i}6,HDFC0000001,Priya Nair,p-${i}`);
    lines.push('123,HDFC0000001,Too Short,p-bad');
    await writeFile(file, `${lines.join('\n')}\n`);

    const r = await upload([file, '--wait', '--out', out, '--json', '--reference-id', 'cli-run']);
    assert.equal(r.code, 0, r.stderr);
    const batch = JSON.parse(r.stdout);
    assert.equal(batch.status, 'completed');
    assert.equal(batch.reference_id, 'cli-run');
    assert.equal(batch.counts.total, 41);
    assert.equal(batch.counts.rejected, 1);
    assert.equal(batch.counts.completed, 40);
    const results = (await readFile(out, 'utf8')).trim().split(/\r?\n/);
    assert.equal(results.length, 42, 'header + one line per input row');
    assert.match(results[1]!, /^2,p-0,completed,bank_account,XXXXXX\d{4},HDFC0000001/);
    assert.match(results[41]!, /^42,p-bad,rejected,/);
    const stored = await rt.db('batches').where({ id: batch.id }).first();
    assert.equal(stored.status, 'completed');
  });

  it('fails clearly without an API key, with a missing file, and on API errors', async () => {
    const noKey = await upload(['x.csv'], { PAYVAL_API_KEY: '' });
    assert.notEqual(noKey.code, 0);
    assert.match(noKey.stderr, /PAYVAL_API_KEY/);
    const missing = await upload([path.join(dir, 'nope.csv')]);
    assert.notEqual(missing.code, 0);
    const binary = path.join(dir, 'sheet.csv');
    await writeFile(binary, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]));
    const refused = await upload([binary]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /batch\.unreadable_csv/);
  });
});
