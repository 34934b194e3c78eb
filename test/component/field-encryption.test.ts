// The payee's VPA, names and metadata under the field cipher (issue 15, docs/decisions/0039), end to end
// against MySQL and Redis:
// 1. New data — singles (bank account and VPA), a JSON batch, a CSV batch, a reused answer, webhooks and
//    idempotent replays — is nowhere in clear (a scan of every table, every Redis key and the logs), while
//    the API, the batch results export, the webhooks received (signatures verified) and the console's
//    validation page still show it.
// 2. Rows written before (inserted in the old format) read the same, and `payval keys encrypt-personal`
//    seals them: killed with SIGKILL half-way, run again, it leaves no plaintext, and every reader, the
//    replays and a redelivered old event (the same bytes) still give the same answers.
// 3. `payval keys rotate` then re-encrypts them; k1 retires, and a runtime without it reads everything.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import type { Runtime } from '../../src/runtime.js';
import { createDb, type Db } from '../../src/platform/db.js';
import { createFieldCipher } from '../../src/platform/field-cipher.js';
import { idempotencyBodyAad } from '../../src/platform/idempotency.js';
import { newId } from '../../src/platform/ids.js';
import { enqueueWebhookAttempts } from '../../src/platform/queues.js';
import { newValidationRow } from '../../src/validations/validation-store.js';
import { PERSONAL_COLUMNS, registeredNameAad, vpaAad } from '../../src/validations/personal-fields.js';
import { idempotencySecretAad } from '../../src/webhooks/webhook-idempotency.js';
import { openEventPayload } from '../../src/webhooks/webhook-payload.js';
import { bankAccount, createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { createConsoleUser, signIn } from '../helpers/console-client.js';
import { findPersonalData } from '../helpers/personal-data-scan.js';
import { killMidRun, runPayval } from '../helpers/lifecycle-cli.js';

const K1 = randomBytes(32).toString('base64');
const K2 = randomBytes(32).toString('base64');
const ONLY_K1 = { ENCRYPTION_KEYS: `k1:${K1}`, ENCRYPTION_ACTIVE_KEY_ID: 'k1' };
const BOTH = { ENCRYPTION_KEYS: `k1:${K1},k2:${K2}`, ENCRYPTION_ACTIVE_KEY_ID: 'k2' };
const ONLY_K2 = { ENCRYPTION_KEYS: `k2:${K2}`, ENCRYPTION_ACTIVE_KEY_ID: 'k2' };
const T = { timeout: 300_000 };
const OLD_ROWS = 1500;

type V = Record<string, any>;
const letters = (n: number) => Array.from({ length: n }, () => String.fromCharCode(97 + randomInt(26))).join('');
const account = (suffix = '7') => `${randomInt(10_000_000, 99_999_999)}${randomInt(100, 999)}${suffix}`;

let ctx: TestContext;
let db: Db;
let rt: Runtime;
let receiver: WebhookReceiver;
let tenantId: string;
let apiKey: string;
let cliOutput = '';
const auth = () => ({ Authorization: `Bearer ${apiKey}` });
const scope = () => ({ tenantId, livemode: false });

before(async () => {
  ctx = await createTestContext();
  db = createDb(ctx.env.DATABASE_URL!, 2);
  receiver = await startWebhookReceiver([]);
});
after(async () => {
  await receiver?.close();
  await ctx.close();
  await db.destroy();
});

const logCli = (text: string) => (cliOutput += text);
const payval = (args: string[], keys: Record<string, string>) => runPayval(args, { ...ctx.env, ...keys }, logCli);

const get = (path: string, r = rt) => ctx.http(r).get(path).set(auth());
async function final(id: string, r = rt): Promise<V> {
  return eventually(async () => {
    const v = (await get(`/v1/validations/${id}`, r)).body as V;
    return v.status === 'completed' || v.status === 'failed' ? v : null;
  }, `validation ${id} final`, 60_000);
}
const batchDone = (id: string) => eventually(async () => (await get(`/v1/batches/${id}`)).body.status === 'completed', `batch ${id} to complete`, 60_000);
const delivered = (objectId: string) =>
  eventually(async () => receiver.received.find((r) => (r.verified as { data?: { id?: string } } | null)?.data?.id === objectId), `a verified delivery about ${objectId}`, 60_000);
async function resultsCsv(batchId: string, r = rt): Promise<string> {
  const res = await get(`/v1/batches/${batchId}/results`, r).set('Accept', 'text/csv').buffer(true);
  assert.equal(res.status, 200);
  return res.text;
}

// Part 1's values, each unique to this run.
const holder = `HOLDER ${letters(10).toUpperCase()}`;
const vpas = [1, 2, 3].map((i) => `${letters(10)}.fe${i}@okaxis`);
const names = [1, 2, 3, 4, 5, 6].map(() => `Zorawar ${letters(9)}`);
const notes = [1, 2, 3, 4].map(() => `note ${letters(10)}`);
const singles: Record<string, string> = {};
const firstAnswers: Record<string, V> = {};
let jsonBatch = '';
let csvBatch = '';
let endpoint: { id: string; secret: string };
let single1Body: V;

describe('personal fields under the field cipher', () => {
  it('new data is nowhere in clear, and every reader still shows it', T, async () => {
    rt = await ctx.start(ONLY_K1);
    ({ tenantId, apiKey } = await ctx.createTenant('Sealed'));
    const created = await ctx.http(rt).post('/v1/webhook-endpoints').set({ ...auth(), 'Idempotency-Key': 'ep-1' }).send({ url: receiver.url, events: ['validation.completed', 'batch.completed'] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    endpoint = { id: created.body.id, secret: created.body.secret };
    receiver.secrets.push(endpoint.secret);
    ctx.sim.provider('sandbox').setFaults({ answerName: holder });

    const acct = account();
    const post = (body: V, key?: string) => ctx.http(rt).post('/v1/validations?wait=10').set({ ...auth(), ...(key ? { 'Idempotency-Key': key } : {}) }).send(body);
    single1Body = bankAccount(acct, { name: names[0], metadata: { note: notes[0] }, reference_id: 'fe-1' });
    const s1 = await post(single1Body, 'single-1');
    const s2 = await post({ type: 'vpa', vpa: vpas[0], rail: 'UPI', name: names[1], metadata: { note: notes[1] } }, 'single-2');
    for (const r of [s1, s2]) assert.ok(r.status === 200 || r.status === 202, JSON.stringify(r.body));
    singles.bank = s1.body.id;
    singles.vpa = s2.body.id;
    firstAnswers['single-1'] = s1.body;
    const batchBody = {
      metadata: { run: notes[2] },
      items: [bankAccount(account('6'), { name: names[2], metadata: { line: notes[3] } }), { type: 'vpa', vpa: vpas[1], rail: 'UPI', name: names[3] }],
    };
    const postBatch = () => ctx.http(rt).post('/v1/batches').set({ ...auth(), 'Idempotency-Key': 'batch-1' }).send(batchBody);
    const jb = await postBatch();
    assert.equal(jb.status, 202, JSON.stringify(jb.body));
    jsonBatch = jb.body.id;
    firstAnswers['batch-1'] = jb.body;
    const csv = ['type,account_number,ifsc,vpa,name,reference_id', `vpa,,,${vpas[2]},${names[4]},csv-1`, `bank_account,${account('8')},HDFC0000001,,${names[5]},csv-2`].join('\n');
    const cb = await ctx.http(rt).post('/v1/batches').set(auth()).set('Content-Type', 'text/csv').send(`${csv}\n`);
    assert.equal(cb.status, 202, JSON.stringify(cb.body));
    csvBatch = cb.body.id;
    for (const id of [singles.bank!, singles.vpa!]) assert.equal((await final(id)).status, 'completed');
    await batchDone(jsonBatch);
    await batchDone(csvBatch);
    // The same account again: the answer is reused, its holder name sealed again for the new row.
    const reused = await final((await post(bankAccount(acct, { name: names[0], max_age: 2_592_000 }))).body.id);
    assert.equal(reused.result.cached, true);
    assert.equal(reused.result.registered_name, holder);
    singles.reused = reused.id;

    // Stored: ciphertexts only, each bound to its own row.
    const rows = (await db('validations').where({ tenant_id: tenantId })) as V[];
    assert.equal(rows.length, 7, 'three singles, two JSON batch rows, two CSV batch rows');
    for (const r of rows) {
      assert.deepEqual(PERSONAL_COLUMNS.map((c) => r[c.plain]), [null, null, null, null], `${r.id} keeps a personal field in clear`);
      assert.ok(r.expected_name_ciphertext?.startsWith('v1.k1.'), `${r.id} has its name sealed`);
      assert.ok(r.registered_name_ciphertext?.startsWith('v1.k1.'), `${r.id} has its holder name sealed`);
      assert.equal(r.vpa_ciphertext !== null, r.type === 'vpa');
    }
    const byId = new Map(rows.map((r) => [r.id as string, r]));
    const k1 = createFieldCipher({ keys: { k1: Buffer.from(K1, 'base64') }, activeKeyId: 'k1' });
    const source = byId.get(singles.bank!)!;
    const copy = byId.get(singles.reused!)!;
    assert.equal(k1.decrypt(copy.registered_name_ciphertext, registeredNameAad(copy.id)), holder);
    assert.throws(() => k1.decrypt(copy.registered_name_ciphertext, registeredNameAad(source.id)), /field decryption failed/, 'a reused name is sealed for its own row');
    assert.ok((await db('batches').where({ id: jsonBatch }).first()).metadata_ciphertext.startsWith('v1.k1.'));
    for (const e of (await db('webhook_events').where({ tenant_id: tenantId })) as V[]) assert.ok(e.payload.startsWith('v1.k1.'), `event ${e.id} in clear`);
    for (const k of (await db('idempotency_keys').where({ tenant_id: tenantId })) as V[]) assert.ok(k.response_body.startsWith('v1.k1.'), `answer ${k.idem_key} in clear`);

    // The API shows them.
    const bank = (await get(`/v1/validations/${singles.bank}`)).body;
    assert.deepEqual([bank.name, bank.metadata, bank.result.registered_name], [names[0], { note: notes[0] }, holder]);
    const vpa = (await get(`/v1/validations/${singles.vpa}`)).body;
    assert.deepEqual([vpa.vpa, vpa.name, vpa.metadata, vpa.result.registered_name], [vpas[0], names[1], { note: notes[1] }, holder]);
    assert.deepEqual((await get(`/v1/batches/${jsonBatch}`)).body.metadata, { run: notes[2] });
    const items = (await get(`/v1/batches/${jsonBatch}/items`)).body.data as V[];
    assert.deepEqual(items.map((v) => [v.vpa, v.name, v.metadata]).sort(), [[null, names[2], { line: notes[3] }], [vpas[1], names[3], null]].sort());
    const list = (await get('/v1/validations?limit=100')).body.data as V[];
    assert.ok(list.some((v) => v.vpa === vpas[2] && v.name === names[4]), 'the list opens CSV rows');
    // The results export, the webhooks received (signatures verified) and the delivery log.
    const export_ = await resultsCsv(csvBatch);
    assert.ok(export_.includes(vpas[2]!) && export_.includes(holder), export_);
    const hook = await delivered(singles.vpa!);
    assert.deepEqual([(hook.verified as V).data.vpa, (hook.verified as V).data.name, (hook.verified as V).data.result.registered_name], [vpas[0], names[1], holder]);
    assert.deepEqual(((await delivered(jsonBatch)).verified as V).data.metadata, { run: notes[2] });
    for (const id of [singles.bank!, singles.reused!, csvBatch]) assert.equal((await delivered(id)).verifiedWith, 0);
    const deliveries = (await get('/v1/webhook-deliveries?limit=100')).body.data as V[];
    const ofVpa = deliveries.find((d) => d.event_id === hook.headers['webhook-id'])!;
    assert.equal((await get(`/v1/webhook-deliveries/${ofVpa.id}`)).body.payload.data.vpa, vpas[0]);
    // Idempotent replays give the first answers back.
    const again = await post(single1Body, 'single-1');
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.deepEqual(again.body, firstAnswers['single-1']);
    const batchAgain = await postBatch();
    assert.equal(batchAgain.headers['idempotent-replayed'], 'true');
    assert.deepEqual(batchAgain.body, firstAnswers['batch-1']);
    const epAgain = await ctx.http(rt).post('/v1/webhook-endpoints').set({ ...auth(), 'Idempotency-Key': 'ep-1' }).send({ url: receiver.url, events: ['validation.completed', 'batch.completed'] });
    assert.equal(epAgain.body.secret, endpoint.secret);
    // The console's validation page.
    const viewer = await signIn(ctx, rt, (await createConsoleUser(ctx, rt, tenantId, 'viewer')).email);
    const page = await viewer.get(`/console/validations/${singles.vpa}`).expect(200);
    for (const shown of [vpas[0]!, names[1]!, holder]) assert.ok(page.text.includes(shown), `the console page shows ${shown}`);

    // And none of it anywhere in clear: tables, Redis, logs.
    assert.deepEqual(await findPersonalData(db, ctx, [...vpas, ...names, ...notes, holder, endpoint.secret]), []);
  });
});

// Part 2's rows, in the format written before decision 0039: one tag per field, so a scan for the tag
// finds every row's value.
const tags = { vpa: `q${letters(9)}`, name: `Oldname${letters(9)}`, holder: `OLDHOLDER${letters(9).toUpperCase()}`, note: `oldnote${letters(9)}` };
const old = { ids: [] as string[], batch: '', event: '', delivery: '', firstBody: '' };
const replayBodies: Record<string, V> = {};

/** What an old row holds in clear, by its position. */
const oldValues = (i: number) => ({ vpa: `old${i}.${tags.vpa}@okaxis`, name: `${tags.name} ${i}`, holder: `${tags.holder} ${i}`, note: `${tags.note} ${i}` });

async function insertOldRows(): Promise<void> {
  const now = new Date();
  old.batch = newId('bat');
  await db('batches').insert({ id: old.batch, tenant_id: tenantId, livemode: false, status: 'completed', source: 'json', metadata: JSON.stringify({ run: `${tags.note} batch` }), created_at: now, updated_at: now, completed_at: now });
  const noSeals = { vpaCiphertext: null, expectedNameCiphertext: null, metadataCiphertext: null };
  const rows = Array.from({ length: OLD_ROWS }, (_, i) => {
    const id = newId('val');
    old.ids.push(id);
    const v = oldValues(i);
    return {
      ...newValidationRow({ id, tenantId, livemode: false, type: 'vpa', rail: 'UPI', accountCiphertext: null, accountBlindIndex: null, accountLast4: null, ifsc: null, bankName: null, vpa: null, expectedName: null, referenceId: null, metadata: null, sealed: noSeals }, now, i < 2 ? old.batch : null),
      vpa: v.vpa, expected_name: v.name, registered_name: v.holder, metadata: JSON.stringify({ note: v.note }),
      status: 'completed', account_status: 'valid', name_match_score: 40, name_match_result: 'no_match', name_match_reasons: '[]', name_match_flags: '[]',
      partner: 'sandbox', partner_reference: `sbx_old_${i}`, verified_at: now, completed_at: now, attempts: 1,
    };
  });
  for (let i = 0; i < rows.length; i += 500) await db('validations').insert(rows.slice(i, i + 500));
  await db('batch_rows').insert([0, 1].map((i) => ({ batch_id: old.batch, row_number: i + 1, validation_id: old.ids[i], reference_id: null, rejected: false })));
  // An event recorded in clear, with a delivery to the endpoint still to make.
  old.event = newId('evt');
  old.delivery = newId('whd');
  old.firstBody = JSON.stringify({ type: 'validation.completed', timestamp: now.toISOString(), data: { id: old.ids[0], object: 'validation', vpa: oldValues(0).vpa, name: oldValues(0).name } });
  await db('webhook_events').insert({ id: old.event, tenant_id: tenantId, livemode: false, type: 'validation.completed', object_id: old.ids[0], payload: old.firstBody, created_at: now });
  await db('webhook_deliveries').insert({ id: old.delivery, tenant_id: tenantId, livemode: false, event_id: old.event, event_type: 'validation.completed', endpoint_id: endpoint.id, status: 'pending', attempts: 0, round_attempts: 0, round_trigger: 'event', next_attempt_at: now, created_at: now, updated_at: now });
  // Two stored answers as they were kept before: a validation's in clear, a webhook endpoint's with only its secret sealed.
  const k1 = createFieldCipher({ keys: { k1: Buffer.from(K1, 'base64') }, activeKeyId: 'k1' });
  for (const key of ['single-1', 'ep-1']) {
    const row = await db('idempotency_keys').where({ tenant_id: tenantId, idem_key: key }).first();
    const body = JSON.parse(k1.decrypt(row.response_body, idempotencyBodyAad(scope(), key))) as V;
    replayBodies[key] = body;
    const { secret, ...rest } = body;
    const clear = key === 'ep-1' ? { ...rest, sealed_secret: k1.encrypt(secret, idempotencySecretAad(scope(), key)) } : body;
    await db('idempotency_keys').where({ tenant_id: tenantId, idem_key: key }).update({ response_body: JSON.stringify(clear) });
  }
}

/** Everything a reader shows of the old rows, the same before and after they are sealed (and under another key). */
async function oldRowsRead(r: Runtime): Promise<void> {
  for (const i of [0, 1, OLD_ROWS - 1]) {
    const v = (await get(`/v1/validations/${old.ids[i]}`, r)).body as V;
    const want = oldValues(i);
    assert.deepEqual([v.vpa, v.name, v.metadata, v.result.registered_name], [want.vpa, want.name, { note: want.note }, want.holder], `old row ${i}`);
  }
  assert.deepEqual((await get(`/v1/batches/${old.batch}`, r)).body.metadata, { run: `${tags.note} batch` });
  const export_ = await resultsCsv(old.batch, r);
  for (const i of [0, 1]) assert.ok(export_.includes(oldValues(i).vpa) && export_.includes(oldValues(i).holder), export_);
  assert.equal((await get(`/v1/webhook-deliveries/${old.delivery}`, r)).body.payload.data.vpa, oldValues(0).vpa);
  const replay = await ctx.http(r).post('/v1/validations?wait=10').set({ ...auth(), 'Idempotency-Key': 'single-1' }).send(single1Body);
  assert.equal(replay.headers['idempotent-replayed'], 'true');
  assert.deepEqual(replay.body, replayBodies['single-1']);
  const ep = await ctx.http(r).post('/v1/webhook-endpoints').set({ ...auth(), 'Idempotency-Key': 'ep-1' }).send({ url: receiver.url, events: ['validation.completed', 'batch.completed'] });
  assert.equal(ep.headers['idempotent-replayed'], 'true');
  assert.deepEqual(ep.body, replayBodies['ep-1']);
}

const countWhere = async (table: string, where: string): Promise<number> => Number(((await db(table).whereRaw(where).count({ n: '*' })) as Array<{ n: number }>)[0]!.n);
/** Personal values still in clear, per table; what encrypt-personal takes to zero. */
const inClear = async () => ({
  validations: await countWhere('validations', PERSONAL_COLUMNS.map((c) => `${c.plain} IS NOT NULL`).join(' OR ')),
  batches: await countWhere('batches', 'metadata IS NOT NULL'),
  webhook_events: await countWhere('webhook_events', "payload NOT LIKE 'v1.%' AND purged_at IS NULL"),
  idempotency_keys: await countWhere('idempotency_keys', "response_body IS NOT NULL AND response_body NOT LIKE 'v1.%'"),
});

describe('rows written before decision 0039', () => {
  it('read the same; encrypt-personal seals them, survives SIGKILL half-way and leaves no plaintext', T, async () => {
    await insertOldRows();
    await enqueueWebhookAttempts(rt.webhookQueue, [{ deliveryId: old.delivery, attempt: 1 }]);
    const first = await eventually(async () => receiver.byId(old.event).find((r) => r.verifiedWith === 0), 'the old event to be delivered, signed', 60_000);
    assert.equal(first.body, old.firstBody);
    await oldRowsRead(rt);
    const oldValuesEverywhere = [...Object.values(tags), names[0]!, endpoint.secret];
    const planted = await findPersonalData(db, ctx, oldValuesEverywhere);
    for (const where of ['validations.vpa', 'validations.expected_name', 'validations.registered_name', 'validations.metadata', 'batches.metadata', 'webhook_events.payload', 'idempotency_keys.response_body']) {
      assert.ok(planted.some((f) => f.startsWith(`${where}:`)), `the scan finds ${where} (${planted.join('; ')})`);
    }
    assert.deepEqual(await inClear(), { validations: OLD_ROWS, batches: 1, webhook_events: 1, idempotency_keys: 2 });

    const step = await killMidRun(db, 'encrypt_personal', 'validations', ['keys', 'encrypt-personal', '--batch', '25', '--pause-ms', '50'], { ...ctx.env, ...ONLY_K1 }, logCli);
    const halfway = await inClear();
    assert.ok(halfway.validations > 0 && halfway.validations < OLD_ROWS, `killed half-way: ${JSON.stringify(halfway)}`);

    const second = await payval(['keys', 'encrypt-personal', '--batch', '25', '--pause-ms', '50', '--json'], ONLY_K1);
    assert.equal(second.code, 0, second.stderr);
    const result = JSON.parse(second.stdout);
    assert.deepEqual([result.outcome, result.resumed, result.run_id, result.failed], ['done', true, step.run_id, 0]);
    assert.ok(result.passes >= 2, 'a verification pass follows the rewriting one');
    assert.deepEqual(await inClear(), { validations: 0, batches: 0, webhook_events: 0, idempotency_keys: 0 });
    assert.deepEqual(await findPersonalData(db, ctx, oldValuesEverywhere), []);
    const audits = await db('audit_log').whereIn('action', ['keys.encrypt_personal_started', 'keys.encrypt_personal_completed']).orderBy('id');
    assert.deepEqual(audits.map((a) => [a.action, a.tenant_id, a.target_id]), [['keys.encrypt_personal_started', null, step.run_id], ['keys.encrypt_personal_completed', null, step.run_id]]);

    // Every reader gives the same answers, and the old event, now stored sealed, goes out as the very same bytes.
    await oldRowsRead(rt);
    const retried = await ctx.http(rt).post(`/v1/webhook-deliveries/${old.delivery}/retry`).set(auth()).send({});
    assert.equal(retried.status, 202, JSON.stringify(retried.body));
    const again = await eventually(async () => receiver.byId(old.event).filter((r) => r.verifiedWith === 0)[1], 'the old event redelivered', 60_000);
    assert.equal(again.body, old.firstBody);
  });
});

describe('key rotation over the sealed fields', () => {
  it('re-encrypts them under k2; k1 retires and a runtime without it reads everything', T, async () => {
    await rt.stop();
    const rotated = await payval(['keys', 'rotate', '--batch', '200', '--pause-ms', '0', '--json'], BOTH);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.equal(JSON.parse(rotated.stdout).outcome, 'done');
    const status = await payval(['keys', 'status', '--json'], BOTH);
    const columns = new Map((JSON.parse(status.stdout).columns as Array<{ table: string; column: string; keys: Record<string, number> }>).map((c) => [`${c.table}.${c.column}`, c.keys]));
    const sealed = ['validations.vpa_ciphertext', 'validations.expected_name_ciphertext', 'validations.registered_name_ciphertext', 'validations.metadata_ciphertext', 'batches.metadata_ciphertext', 'webhook_events.payload', 'idempotency_keys.response_body'];
    for (const c of sealed) assert.ok((columns.get(c)?.k2 ?? 0) > 0, `${c} under k2: ${JSON.stringify(columns.get(c))}`);
    for (const [c, keys] of columns) assert.equal(keys.k1, undefined, `${c} still names k1`);
    assert.equal(columns.get('validations.vpa_ciphertext')!.k2, OLD_ROWS + 3, 'every VPA: the old rows and three new ones');
    const retire = await payval(['keys', 'retire-check', 'k1', '--json'], BOTH);
    assert.equal(retire.code, 0, retire.stdout);

    rt = await ctx.start(ONLY_K2);
    await oldRowsRead(rt);
    const vpa = (await get(`/v1/validations/${singles.vpa}`)).body;
    assert.deepEqual([vpa.vpa, vpa.name, vpa.result.registered_name], [vpas[0], names[1], holder]);
    assert.deepEqual((await get(`/v1/batches/${jsonBatch}`)).body.metadata, { run: notes[2] });
    const k2 = createFieldCipher({ keys: { k2: Buffer.from(K2, 'base64') }, activeKeyId: 'k2' });
    const row = await db('validations').where({ id: old.ids[5] }).first();
    assert.equal(k2.decrypt(row.vpa_ciphertext, vpaAad(row.id)), oldValues(5).vpa, 'the same plaintext, bound to the same row');
    const event = await db('webhook_events').where({ id: old.event }).first();
    assert.equal(openEventPayload(k2, event.id, event.payload), old.firstBody);
    assert.doesNotMatch((await ctx.http(rt).get('/metrics')).text, /^payval_field_decryption_failures_total\{/m, 'no decryption failed');
  });

  it('printed none of the values, in its output or in the logs', () => {
    const text = `${cliOutput}\n${ctx.logs.text()}`.toLowerCase();
    for (const v of [...vpas, ...names, ...notes, holder, ...Object.values(tags), endpoint.secret]) assert.ok(!text.includes(v.toLowerCase()), `printed: ${v.slice(0, 12)}…`);
  });
});
