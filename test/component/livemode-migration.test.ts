// The test/live migration on a database that already has data: existing rows become live, a sandbox
// answer stops being reusable, and the migration goes down and up again cleanly.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createDb, dropDatabase, ensureDatabase, type Db } from '../../src/platform/db.js';

const MYSQL_BASE = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const MIGRATION = '20261122000001_test_and_live_mode.ts';
const url = `${MYSQL_BASE}/payval_test_${randomBytes(5).toString('hex')}`;
let db: Db;

const nameOf = (m: unknown): string => (typeof m === 'string' ? m : ((m as { file?: string; name?: string }).file ?? (m as { name: string }).name));

/** Applies migrations one by one until `name` is the next one. */
async function upTo(name: string): Promise<void> {
  for (;;) {
    const [, pending] = (await db.migrate.list()) as [unknown[], unknown[]];
    const next = pending[0];
    assert.ok(next, `${name} is not pending`);
    if (nameOf(next) === name) return;
    await db.migrate.up();
  }
}

const columnsOf = async (table: string): Promise<string[]> => Object.keys(await db(table).columnInfo());
const primaryKeyOf = async (table: string): Promise<string[]> =>
  ((await db.raw(`SHOW KEYS FROM \`${table}\` WHERE Key_name = 'PRIMARY'`)) as [Array<{ Column_name: string; Seq_in_index: number }>])[0]
    .sort((a, b) => a.Seq_in_index - b.Seq_in_index)
    .map((k) => k.Column_name);

before(async () => {
  await ensureDatabase(url);
  db = createDb(url, 2);
  await upTo(MIGRATION);
  const now = new Date();
  await db('tenants').insert({ id: 'ten_old', name: 'Old', status: 'active', created_at: now });
  const validation = (id: string, partner: string) => ({
    id, tenant_id: 'ten_old', type: 'vpa', rail: 'UPI', status: 'completed', vpa: 'a@okaxis', account_blind_index: `${id}`.padEnd(64, '0'),
    partner, partner_reference: 'ref', account_status: 'valid', attempts: 1, created_at: now, updated_at: now, completed_at: now,
  });
  await db('validations').insert([validation('val_sandbox', 'sandbox'), validation('val_cashfree', 'cashfree')]);
  await db('partner_answers').insert([
    { account_blind_index: 'a'.repeat(64), tenant_id: 'ten_old', validation_id: 'val_sandbox', verified_at: now },
    { account_blind_index: 'b'.repeat(64), tenant_id: 'ten_old', validation_id: 'val_cashfree', verified_at: now },
  ]);
  await db('idempotency_keys').insert({ tenant_id: 'ten_old', idem_key: 'k1', request_hash: '0'.repeat(64), state: 'completed', locked_at: now, created_at: now, expires_at: now });
  await db('tenant_webhook_secrets').insert({ tenant_id: 'ten_old', secret_ciphertext: 'x', created_at: now, updated_at: now });
});

after(async () => {
  await db?.destroy();
  await dropDatabase(url).catch(() => undefined);
});

describe('the test and live mode migration', () => {
  it('makes existing rows live and drops the reuse pointer to a sandbox answer', async () => {
    await db.migrate.up();
    for (const table of ['validations', 'idempotency_keys', 'tenant_webhook_secrets']) {
      const rows = await db(table).select('livemode');
      assert.ok(rows.length > 0 && rows.every((r) => Number(r.livemode) === 1), `${table}: every existing row is live`);
    }
    assert.deepEqual(await db('partner_answers').select('validation_id', 'livemode'), [{ validation_id: 'val_cashfree', livemode: 1 }]);
    assert.deepEqual(await primaryKeyOf('idempotency_keys'), ['tenant_id', 'livemode', 'idem_key']);
    assert.deepEqual(await primaryKeyOf('partner_answers'), ['account_blind_index', 'livemode']);
    assert.deepEqual(await primaryKeyOf('tenant_webhook_secrets'), ['tenant_id', 'livemode']);
    // The same Idempotency-Key string now exists once per mode.
    const now = new Date();
    await db('idempotency_keys').insert({ tenant_id: 'ten_old', livemode: false, idem_key: 'k1', request_hash: '1'.repeat(64), state: 'completed', locked_at: now, created_at: now, expires_at: now });
  });

  it('goes down (keeping the live rows) and up again', async () => {
    await db.migrate.down();
    assert.ok(!(await columnsOf('validations')).includes('livemode'));
    assert.deepEqual(await primaryKeyOf('idempotency_keys'), ['tenant_id', 'idem_key']);
    assert.deepEqual(await db('idempotency_keys').select('request_hash'), [{ request_hash: '0'.repeat(64) }]);
    await db.migrate.up();
    assert.ok((await columnsOf('webhook_deliveries')).includes('livemode'));
  });
});
