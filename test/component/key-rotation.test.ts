import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { generate } from 'otplib';
import type { Runtime } from '../../src/runtime.js';
import { createDb, type Db } from '../../src/platform/db.js';
import { createFieldCipher } from '../../src/platform/field-cipher.js';
import { accountAad } from '../../src/validations/new-validation.js';
import { openPersonalFields } from '../../src/validations/personal-fields.js';
import { totpAad } from '../../src/users/session-service.js';
import { newTotpSecret } from '../../src/users/credentials.js';
import { CIPHERTEXT_TABLES, type CiphertextTable } from '../../src/privacy/ciphertext-columns.js';
import { jsonField } from '../../src/privacy/ciphertext-codec.js';
import { rotationStep, type DecryptionFailure } from '../../src/privacy/key-rotation.js';
import { ciphertextInventory, retireCheck } from '../../src/privacy/key-inventory.js';
import { runLifecycle, type RunEvents } from '../../src/privacy/lifecycle-run.js';
import type { StepOptions } from '../../src/privacy/lifecycle-step.js';
import { bankAccount, createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { cookiesOf, createConsoleUser, hiddenField, TEST_PASSWORD } from '../helpers/console-client.js';
import { killMidRun, runPayval } from '../helpers/lifecycle-cli.js';

// Key rotation end to end (issue 15): ciphertexts in every column of src/privacy/ciphertext-columns.ts
// are made under k1 through the API; a runtime with k2 active keeps taking validations while
// `payval keys rotate` runs as a child process, is SIGKILLed once it has committed progress, and is run
// again to completion; `retire-check k1` then passes, and a runtime without k1 still reads, calls the
// partner for a row queued under k1, signs webhooks with secrets made under k1, replays a sealed
// idempotent answer and accepts a TOTP code whose secret was stored under k1.

const K1 = randomBytes(32).toString('base64');
const K2 = randomBytes(32).toString('base64');
const ONLY_K1 = { ENCRYPTION_KEYS: `k1:${K1}`, ENCRYPTION_ACTIVE_KEY_ID: 'k1' };
const BOTH = { ENCRYPTION_KEYS: `k1:${K1},k2:${K2}`, ENCRYPTION_ACTIVE_KEY_ID: 'k2' };
const ONLY_K2 = { ENCRYPTION_KEYS: `k2:${K2}`, ENCRYPTION_ACTIVE_KEY_ID: 'k2' };
const SEEDED_BATCH_ROWS = 600;

let ctx: TestContext;
let db: Db;
let apiKey: string;
const receivers: WebhookReceiver[] = [];
/** Validation id → account number, for every validation this file creates. */
const accounts = new Map<string, string>();
const secretsShown: string[] = [];
let cliOutput = '';

/** 12 digits ending in 7: never a sandbox magic ending. */
const account = (): string => `${randomInt(10_000_000, 99_999_999)}${randomInt(100, 999)}7`;

before(async () => {
  ctx = await createTestContext();
  db = createDb(ctx.env.DATABASE_URL!, 2);
});
after(async () => {
  for (const r of receivers) await r.close();
  await ctx.close();
  await db.destroy();
});

const auth = () => ({ Authorization: `Bearer ${apiKey}` });

const logCli = (text: string) => (cliOutput += text);
const payval = (args: string[], keys: Record<string, string>) => runPayval(args, { ...ctx.env, ...keys }, logCli);

async function statusByColumn(keys: Record<string, string>): Promise<Map<string, Record<string, number>>> {
  const r = await payval(['keys', 'status', '--json'], keys);
  assert.equal(r.code, 0, r.stderr);
  const body = JSON.parse(r.stdout) as { columns: Array<{ table: string; column: string; keys: Record<string, number> }> };
  return new Map(body.columns.map((c) => [`${c.table}.${c.column}`, c.keys]));
}

async function postValidation(rt: Runtime, body: Record<string, unknown>): Promise<string> {
  const res = await ctx.http(rt).post('/v1/validations').set(auth()).send(body);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body.id as string;
}

async function single(rt: Runtime, extra: Record<string, unknown> = {}, number = account()): Promise<string> {
  const id = await postValidation(rt, bankAccount(number, extra));
  accounts.set(id, number);
  return id;
}

/** Batch rows' account numbers: the rows are matched to them through their ciphertexts. */
const batchNumbers = new Set<string>();

async function batch(rt: Runtime, rows: number, metadata?: Record<string, string>): Promise<string> {
  const numbers = Array.from({ length: rows }, () => account());
  const res = await ctx.http(rt).post('/v1/batches').set(auth()).send({ items: numbers.map((n) => bankAccount(n)), ...(metadata ? { metadata } : {}) });
  assert.equal(res.status, 202, JSON.stringify(res.body).slice(0, 300));
  for (const n of numbers) batchNumbers.add(n);
  return res.body.id as string;
}

const batchDone = (id: string) =>
  eventually(async () => (await db('batches').where({ id }).first('status'))?.status === 'completed', `batch ${id} to complete`, 180_000);

const finalStatus = (id: string, timeoutMs = 120_000) =>
  eventually(async () => {
    const row = await db('validations').where({ id }).first('status');
    return row && ['completed', 'failed'].includes(row.status) ? row.status : undefined;
  }, `validation ${id} to become final`, timeoutMs);

let endpoint: { id: string; first: string; current: string; receiver: WebhookReceiver };
let tenantSecret: { current: string; receiver: WebhookReceiver };
let totp: { email: string; secret: string };
let pendingId: string;
const ENDPOINT_BODY = (url: string) => ({ url, events: ['validation.completed'] });

describe('payval keys rotate', () => {
  it('starts from ciphertexts under k1 in every covered column, made through the API', async () => {
    const seed = await ctx.start(ONLY_K1);
    let tenantId: string;
    ({ apiKey, tenantId } = await ctx.createTenant('Rotating'));
    const hook = await startWebhookReceiver([]);
    receivers.push(hook);
    const created = await ctx.http(seed).post('/v1/webhook-endpoints').set({ ...auth(), 'Idempotency-Key': 'endpoint-1' }).send(ENDPOINT_BODY(hook.url));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const rotated = await ctx.http(seed).post(`/v1/webhook-endpoints/${created.body.id}/rotate-secret`).set(auth()).send({});
    assert.equal(rotated.status, 200);
    endpoint = { id: created.body.id, first: created.body.secret, current: rotated.body.secret, receiver: hook };
    hook.secrets.push(endpoint.current);

    const oneOff = await startWebhookReceiver([]);
    receivers.push(oneOff);
    for (let i = 0; i < 2; i++) {
      const r = await ctx.http(seed).post('/v1/webhook-secret/rotate').set(auth()).send({});
      assert.equal(r.status, 200, JSON.stringify(r.body));
      tenantSecret = { current: r.body.secret, receiver: oneOff };
    }
    oneOff.secrets.push(tenantSecret.current);
    secretsShown.push(endpoint.first, endpoint.current, tenantSecret.current);

    const user = await createConsoleUser(ctx, seed, tenantId, 'owner');
    const secret = newTotpSecret();
    const k1 = createFieldCipher({ keys: { k1: Buffer.from(K1, 'base64') }, activeKeyId: 'k1' });
    await db('users').where({ id: user.id }).update({ totp_ciphertext: k1.encrypt(secret, totpAad(user.id)), totp_enabled: true });
    totp = { email: user.email, secret };

    // The payee's other fields too (decision 0039): a name, metadata, a VPA, a batch's metadata.
    const singles = [await single(seed, { name: 'Asha Rao', metadata: { erp: 'sap' } }), await single(seed, { webhook_url: oneOff.url }), await single(seed)];
    singles.push(await postValidation(seed, { type: 'vpa', vpa: 'asha.rao@okaxis', rail: 'UPI', name: 'Asha Rao' }));
    const b = await batch(seed, SEEDED_BATCH_ROWS, { run: 'seeded' });
    for (const id of singles) assert.equal(await finalStatus(id), 'completed');
    await batchDone(b);
    await seed.stop();

    // Queued under k1 and left without a job: nothing works on it until the runtime without k1 starts.
    const queuedOnly = await ctx.start({ ...ONLY_K1, ROLE: 'api' });
    pendingId = await single(queuedOnly, {}, `${randomInt(10_000_000, 99_999_999)}3333`);
    // An erasure request still running holds its payee sealed; no leader runs it until after the rotation.
    const erasure = await ctx.http(queuedOnly).post('/v1/erasure-requests').set(auth()).send({ type: 'vpa', vpa: 'nobody.rotating@okaxis' });
    assert.equal(erasure.status, 202, JSON.stringify(erasure.body));
    await queuedOnly.stop();
    await ctx.flushRedis();

    const status = await statusByColumn(BOTH);
    for (const t of CIPHERTEXT_TABLES) {
      for (const f of t.fields) {
        const keys = status.get(`${t.table}.${f.column}`);
        assert.ok(keys && (keys.k1 ?? 0) > 0, `${t.table}.${f.column} holds k1 ciphertexts: ${JSON.stringify(keys)}`);
        assert.equal(keys.k2, undefined);
      }
    }
    assert.equal(status.get('validations.account_ciphertext')!.k1, SEEDED_BATCH_ROWS + 4);
    const notYet = await payval(['keys', 'retire-check', 'k1'], BOTH);
    assert.equal(notYet.code, 1);
    assert.match(notYet.stdout, /k1 is still needed: validations\.account_ciphertext: 604/);
  });

  const traffic: string[] = [];
  let trafficBatch = '';
  it('rotates to k2 while validations keep flowing, survives SIGKILL half-way and finishes on a second run', async () => {
    // No sweeper here: it would requeue the row left queued under k1 (see above).
    const live = await ctx.start({ ...BOTH, SWEEPER_ENABLED: 'false' });
    let stop = false;
    const flowing = (async () => {
      trafficBatch = await batch(live, 100);
      while (!stop) {
        const id = await single(live);
        traffic.push(id);
        const read = await ctx.http(live).get(`/v1/validations/${id}`).set(auth());
        assert.equal(read.status, 200);
        await new Promise((r) => setTimeout(r, 25));
      }
    })();

    const step = await killMidRun(db, 'key_rotation', 'validations', ['keys', 'rotate', '--batch', '25', '--pause-ms', '50'], { ...ctx.env, ...BOTH }, logCli);
    const stillK1 = await db('validations').where('account_ciphertext', 'like', 'v1.k1.%').count({ n: '*' });
    assert.ok(Number(stillK1[0]!.n) > 0, 'the kill came half-way, not after the end');

    const second = await payval(['keys', 'rotate', '--batch', '25', '--pause-ms', '50', '--json'], BOTH);
    assert.equal(second.code, 0, second.stderr);
    const result = JSON.parse(second.stdout);
    assert.equal(result.outcome, 'done');
    assert.equal(result.resumed, true);
    assert.equal(result.run_id, step.run_id);
    assert.ok(result.passes >= 2, 'a verification pass follows the rewriting one');
    assert.equal(result.failed, 0);
    assert.match(second.stderr, /pass 1 validations: .*100\.0%/, 'progress is printed');

    stop = true;
    await flowing;
    assert.ok(traffic.length > 0);
    for (const id of traffic) assert.equal(await finalStatus(id), 'completed');
    await batchDone(trafficBatch);
    await live.stop();

    const status = await statusByColumn(ONLY_K2);
    for (const [column, keys] of status) {
      assert.equal(keys.k1, undefined, `${column} still names k1`);
      assert.ok((keys.k2 ?? 0) > 0, `${column} has k2 ciphertexts`);
    }
    const retire = await payval(['keys', 'retire-check', 'k1', '--json'], BOTH);
    assert.equal(retire.code, 0, retire.stdout);
    assert.deepEqual(JSON.parse(retire.stdout), { key_id: 'k1', retirable: true, active: false, remaining: {} });

    // Same plaintext, same AAD: every account number opens with k2 alone, bound to its own row.
    const k2 = createFieldCipher({ keys: { k2: Buffer.from(K2, 'base64') }, activeKeyId: 'k2' });
    const rows = (await db('validations').whereNotNull('account_ciphertext').select('id', 'account_ciphertext')) as Array<{ id: string; account_ciphertext: string }>;
    const plain = new Map(rows.map((r) => [r.id, k2.decrypt(r.account_ciphertext, accountAad(r.id))]));
    for (const [id, number] of accounts) assert.equal(plain.get(id), number, id);
    const opened = new Set(plain.values());
    for (const n of batchNumbers) assert.ok(opened.has(n), 'a batch row opens to its own account number');
    const vpaRow = await db('validations').where({ type: 'vpa' }).first();
    const payee = openPersonalFields(k2, vpaRow);
    assert.deepEqual([payee.vpa, payee.expectedName, payee.registeredName], ['asha.rao@okaxis', 'Asha Rao', 'ASHA RAO'], 'the VPA and names open with k2 alone');

    const audits = await db('audit_log').whereIn('action', ['keys.rotation_started', 'keys.rotation_completed']).orderBy('id');
    assert.deepEqual(audits.map((a) => [a.action, a.tenant_id, a.actor, a.target_id]), [
      ['keys.rotation_started', null, 'cli', step.run_id],
      ['keys.rotation_completed', null, 'cli', step.run_id],
    ]);
  });

  it('without k1: reads, a queued row\'s partner call, webhook signatures, a sealed replay and TOTP all work', async () => {
    const rt = await ctx.start(ONLY_K2);
    let cursor: string | undefined;
    let listed = 0;
    do {
      const page = await ctx.http(rt).get('/v1/validations').query({ limit: 100, ...(cursor ? { cursor } : {}) }).set(auth());
      assert.equal(page.status, 200);
      listed += page.body.data.length;
      cursor = page.body.has_more ? page.body.next_cursor : undefined;
    } while (cursor);
    const ids = (await db('validations').pluck('id')) as string[];
    assert.equal(listed, ids.length);
    for (let i = 0; i < ids.length; i += 10) {
      const reads = await Promise.all(ids.slice(i, i + 10).map((id) => ctx.http(rt).get(`/v1/validations/${id}`).set(auth())));
      for (const r of reads) assert.equal(r.status, 200);
    }

    // The row queued under k1: the sweeper requeues it, the worker decrypts it for the partner call.
    assert.equal(await finalStatus(pendingId), 'completed');
    const pending = await ctx.http(rt).get(`/v1/validations/${pendingId}`).set(auth());
    assert.equal(pending.body.result.account_status, 'nre', 'the partner saw the right account number (…3333)');
    assert.ok(ctx.sim.callsFor(pendingId) >= 1);
    const signed = await eventually(async () => endpoint.receiver.received.find((r) => (r.verified as { data?: { id?: string } } | null)?.data?.id === pendingId), 'the endpoint delivery of the queued row', 60_000);
    assert.equal(signed.verifiedWith, 0);

    const oneOffId = await single(rt, { webhook_url: tenantSecret.receiver.url });
    const delivered = await eventually(async () => tenantSecret.receiver.received.find((r) => (r.verified as { data?: { id?: string } } | null)?.data?.id === oneOffId), 'the one-off delivery', 60_000);
    assert.equal(delivered.verifiedWith, 0);

    const replay = await ctx.http(rt).post('/v1/webhook-endpoints').set({ ...auth(), 'Idempotency-Key': 'endpoint-1' }).send(ENDPOINT_BODY(endpoint.receiver.url));
    assert.equal(replay.status, 201);
    assert.equal(replay.body.id, endpoint.id);
    assert.equal(replay.body.secret, endpoint.first, 'the sealed secret opens with k2');

    const page = await ctx.http(rt).get('/console/sign-in');
    const pre = `pv_pre=${cookiesOf(page.headers).pv_pre}`;
    const pw = await ctx.http(rt).post('/console/sign-in').set('Cookie', pre).type('form')
      .send({ _csrf: hiddenField(page.text, '_csrf')!, next: '/console/account', email: totp.email, password: TEST_PASSWORD });
    assert.equal(pw.status, 303);
    const half = `pv_session=${cookiesOf(pw.headers).pv_session}`;
    const form = await ctx.http(rt).get('/console/sign-in/totp').set('Cookie', half).expect(200);
    const done = await ctx.http(rt).post('/console/sign-in/totp').set('Cookie', `${half}; pv_pre=${cookiesOf(form.headers).pv_pre}`).type('form')
      .send({ _csrf: hiddenField(form.text, '_csrf')!, next: '/console/account', code: await generate({ secret: totp.secret }) });
    assert.equal(done.status, 303, done.text.slice(0, 300));
    assert.equal(done.headers.location, '/console/account');

    const metrics = await ctx.http(rt).get('/metrics');
    assert.doesNotMatch(metrics.text, /^payval_field_decryption_failures_total\{/m, 'no decryption failed');
  });

  it('prints no account number or secret, in its output or in the logs', () => {
    const text = `${cliOutput}\n${ctx.logs.text()}`;
    for (const n of [...accounts.values(), ...batchNumbers]) assert.ok(!text.includes(n), 'an account number was printed');
    for (const s of [...secretsShown, totp.secret]) assert.ok(!text.includes(s), 'a secret was printed');
  });
});

// The machinery on a table of its own, step by step: a composite key walked in pages of 4, a JSON
// field beside a whole-value column, a row held locked by another transaction, a row written under
// the old key after its table was walked, an undecryptable ciphertext, and a run stopped half-way.
describe('rotation steps against MySQL', () => {
  const both = createFieldCipher({ keys: { k1: Buffer.from(K1, 'base64'), k2: Buffer.from(K2, 'base64') }, activeKeyId: 'k2' });
  const k1Only = createFieldCipher({ keys: { k1: Buffer.from(K1, 'base64') }, activeKeyId: 'k1' });
  const probe: CiphertextTable = {
    table: 'rotation_probe',
    key: ['tenant_id', 'livemode', 'k'],
    loggedKey: ['tenant_id', 'livemode'],
    fields: [
      { column: 'secret', aad: (r) => `probe.secret:${String(r.k)}` },
      { column: 'body', codec: jsonField('sealed_secret'), aad: (r) => `probe.body:${String(r.k)}` },
    ],
  };
  const ROWS = 14;
  let runDb: Db;
  let runs = 0;

  async function seedProbe(): Promise<void> {
    await db.schema.dropTableIfExists('rotation_probe');
    await db.raw('CREATE TABLE rotation_probe (tenant_id VARCHAR(32) NOT NULL, livemode TINYINT(1) NOT NULL, k VARCHAR(255) NOT NULL, secret TEXT NULL, body MEDIUMTEXT NULL, PRIMARY KEY (tenant_id, livemode, k))');
    const rows = Array.from({ length: ROWS }, (_, i) => {
      const k = `key-${String(i).padStart(2, '0')}`;
      return {
        tenant_id: `ten_${i % 2}`,
        livemode: i % 3 === 0 ? 1 : 0,
        k,
        secret: k1Only.encrypt(`secret ${i}`, `probe.secret:${k}`),
        // A client's nested text that looks like a ciphertext is not one: only the top level counts.
        body: JSON.stringify({ id: k, metadata: { sealed_secret: 'v1.k1.AAAA.BBBB.CCCC' }, sealed_secret: k1Only.encrypt(`body ${i}`, `probe.body:${k}`) }),
      };
    });
    await db('rotation_probe').insert(rows);
  }

  const rowKey = (i: number) => ({ tenant_id: `ten_${i % 2}`, livemode: i % 3 === 0 ? 1 : 0, k: `key-${String(i).padStart(2, '0')}` });
  const failures: DecryptionFailure[] = [];
  const run = (o: { events?: RunEvents; onProgress?: StepOptions['onProgress']; sleep?: StepOptions['sleep']; revisitRounds?: number } = {}) =>
    runLifecycle(runDb, { kind: `probe_${runs}`, target: 'k2', steps: [rotationStep(probe, both, (f) => failures.push(f))], maxPasses: 5, batch: 4, pauseMs: 0, ...o });
  const keysOf = async () => (await ciphertextInventory(db, [probe])).map((c) => c.byKey);

  before(async () => {
    runDb = createDb(ctx.env.DATABASE_URL!, 4);
  });
  after(async () => {
    await db.schema.dropTableIfExists('rotation_probe');
    await runDb.destroy();
  });

  it('walks a composite key in pages, rewrites both fields with their AAD, and verifies in a second pass', async () => {
    await seedProbe();
    runs++;
    const r = await run();
    assert.equal(r.outcome, 'done');
    assert.deepEqual(r.rows.map((x) => [x.pass, x.scanned, x.changed, x.skipped, x.failed]), [[1, ROWS, ROWS, 0, 0], [2, ROWS, 0, 0, 0]]);
    assert.deepEqual(await keysOf(), [{ k2: ROWS }, { k2: ROWS }]);
    const k2Only = createFieldCipher({ keys: { k2: Buffer.from(K2, 'base64') }, activeKeyId: 'k2' });
    for (let i = 0; i < ROWS; i++) {
      const row = await db('rotation_probe').where(rowKey(i)).first();
      assert.equal(k2Only.decrypt(row.secret, `probe.secret:${row.k}`), `secret ${i}`);
      const body = JSON.parse(row.body);
      assert.equal(k2Only.decrypt(body.sealed_secret, `probe.body:${row.k}`), `body ${i}`);
      assert.deepEqual(Object.keys(body), ['id', 'metadata', 'sealed_secret'], 'the document keeps its shape');
      assert.equal(body.metadata.sealed_secret, 'v1.k1.AAAA.BBBB.CCCC', 'nested text is left alone');
    }
  });

  it('revisits a row another transaction held locked, once the lock is gone', async () => {
    await seedProbe();
    runs++;
    const holder = await db.transaction();
    await holder('rotation_probe').where(rowKey(5)).forUpdate();
    let walked = false;
    // The lock goes once the walk has passed the row (at the pause after its last page).
    const r = await run({
      onProgress: (_row, c) => (walked = c.scanned === ROWS && c.skipped === 1),
      sleep: async () => {
        if (walked && !holder.isCompleted()) await holder.commit();
      },
    });
    assert.ok(holder.isCompleted(), 'the locked row was skipped during the walk');
    assert.deepEqual(r.rows.map((x) => [x.pass, x.changed, x.skipped]), [[1, ROWS, 0], [2, 0, 0]], 'the revisit rotated it in the same pass');
    assert.deepEqual(await keysOf(), [{ k2: ROWS }, { k2: ROWS }]);
  });

  it('leaves a row locked past its revisits to the next pass, and catches rows written under the old key meanwhile', async () => {
    await seedProbe();
    runs++;
    const holder = await db.transaction();
    await holder('rotation_probe').where(rowKey(7)).forUpdate();
    const r = await run({
      revisitRounds: 1,
      events: {
        stepFinished: async (row) => {
          if (row.pass !== 1) return;
          await holder.commit();
          // A process still on k1 writes after the walk went by.
          await db('rotation_probe').insert({ tenant_id: 'ten_0', livemode: 0, k: 'late', secret: k1Only.encrypt('late', 'probe.secret:late'), body: null });
        },
      },
    });
    assert.equal(r.outcome, 'done');
    assert.deepEqual(r.rows.map((x) => [x.pass, x.changed, x.skipped]), [[1, ROWS - 1, 1], [2, 2, 0], [3, 0, 0]]);
    assert.deepEqual(await keysOf(), [{ k2: ROWS + 1 }, { k2: ROWS }]);
  });

  it('gives up after its passes while rows keep appearing under the old key; the next invocation finishes', async () => {
    await seedProbe();
    runs++;
    let late = 0;
    const writer: RunEvents = {
      stepFinished: async () => {
        late++;
        await db('rotation_probe').insert({ tenant_id: 'ten_2', livemode: 0, k: `late-${late}`, secret: k1Only.encrypt('late', `probe.secret:late-${late}`), body: null });
      },
    };
    const busy = await runLifecycle(runDb, { kind: `probe_${runs}`, target: 'k2', steps: [rotationStep(probe, both, (f) => failures.push(f))], maxPasses: 2, batch: 4, pauseMs: 0, events: writer });
    assert.equal(busy.outcome, 'unsettled');
    assert.deepEqual(busy.rows.map((x) => [x.pass, x.changed]), [[1, ROWS], [2, 1]], 'two passes, then no third step is even recorded');
    const quiet = await run();
    assert.equal(quiet.outcome, 'done');
    assert.equal(quiet.runId, busy.runId, 'the same run, continued');
    assert.deepEqual(quiet.rows.map((x) => [x.pass, x.changed]), [[1, ROWS], [2, 1], [3, 1], [4, 0]]);
  });

  it('counts an undecryptable ciphertext, logs its row without the secret, and still ends', async () => {
    await seedProbe();
    runs++;
    failures.length = 0;
    const broken = `${k1Only.encrypt('x', 'probe.secret:elsewhere')}`;
    await db('rotation_probe').where(rowKey(3)).update({ secret: broken });
    const r = await run();
    assert.equal(r.outcome, 'done');
    assert.equal(r.totals.lastPass.failed, 1);
    assert.deepEqual(failures.map((f) => [f.table, f.column, f.key, f.keyId]), [
      ['rotation_probe', 'secret', { tenant_id: 'ten_1', livemode: 1 }, 'k1'],
      ['rotation_probe', 'secret', { tenant_id: 'ten_1', livemode: 1 }, 'k1'],
    ], 'once per pass, without the Idempotency-Key-like part of the key');
    assert.deepEqual(await keysOf(), [{ k1: 1, k2: ROWS - 1 }, { k2: ROWS }]);
    assert.equal(retireCheck(await ciphertextInventory(db, [probe]), 'k1', 'k2').retirable, false);
  });

  it('resumes a stopped run from its cursor: every row is read once in the pass', async () => {
    await seedProbe();
    runs++;
    let pages = 0;
    const crash = async () => {
      if (++pages === 2) throw new Error('stopped');
    };
    await assert.rejects(run({ sleep: crash }), /stopped/);
    const [stopped] = await db('lifecycle_runs').where({ kind: `probe_${runs}` });
    assert.equal(stopped.status, 'running');
    const order = Array.from({ length: ROWS }, (_, i) => Object.values(rowKey(i))).sort((a, b) => (a.join('|') < b.join('|') ? -1 : 1));
    assert.deepEqual(JSON.parse(stopped.last_key), order[7], 'the cursor is the last row of the second page');
    assert.equal(Number(stopped.scanned), 8);
    const r = await run();
    assert.equal(r.resumed, true);
    assert.equal(r.runId, stopped.run_id);
    assert.deepEqual(r.rows.map((x) => [x.pass, x.scanned, x.changed]), [[1, ROWS, ROWS], [2, ROWS, 0]]);
  });
});

describe('the list of ciphertext columns', () => {
  it('names every *_ciphertext column the migrations created', async () => {
    const rows = (await db('information_schema.COLUMNS')
      .where({ TABLE_SCHEMA: db.raw('DATABASE()') })
      .where('COLUMN_NAME', 'like', '%\\_ciphertext')
      .select({ table: 'TABLE_NAME', column: 'COLUMN_NAME' })) as Array<{ table: string; column: string }>;
    const listed = new Set(CIPHERTEXT_TABLES.flatMap((t) => t.fields.map((f) => `${t.table}.${f.column}`)));
    assert.ok(rows.length >= 5);
    for (const r of rows) assert.ok(listed.has(`${r.table}.${r.column}`), `${r.table}.${r.column} is not in src/privacy/ciphertext-columns.ts`);
  });
});
