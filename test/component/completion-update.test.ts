// The grouped completion UPDATE (validation-group-store.ts markCompletedMany) on the real schema: every
// row of a group gets exactly its own values in every column, NULLs, JSON, booleans and times included,
// and rows outside the group are not touched.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createFieldCipher } from '../../src/platform/field-cipher.js';
import { registeredNameAad } from '../../src/validations/personal-fields.js';
import { createDb, dropDatabase, ensureDatabase, migrateLatest, type Db } from '../../src/platform/db.js';
import { markCompletedMany } from '../../src/validations/validation-group-store.js';
import type { CompletedResult } from '../../src/validations/validation-types.js';
import { newId } from '../../src/platform/ids.js';

const MYSQL = (process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/+$/, '');
const url = `${MYSQL}/payval_cu_${randomBytes(4).toString('hex')}`;
let db: Db;
let tenantId: string;
const cipher = createFieldCipher({ keys: { k1: randomBytes(32) }, activeKeyId: 'k1' });

before(async () => {
  await ensureDatabase(url);
  db = createDb(url, 2);
  await migrateLatest(db);
  tenantId = newId('ten');
  await db('tenants').insert({ id: tenantId, name: 'completion', created_at: new Date() });
});
after(async () => {
  await db.destroy();
  await dropDatabase(url);
});

async function insertProcessing(n: number): Promise<string[]> {
  const now = new Date();
  const ids = Array.from({ length: n }, () => newId('val'));
  await db('validations').insert(ids.map((id) => ({ id, tenant_id: tenantId, type: 'bank_account', rail: 'imps', status: 'processing', livemode: false, created_at: now, updated_at: now, partner_followup: 'pending', partner_hold_until: now, failure_code: 'partner.timeout', failure_message: 'The partner did not answer in time.' })));
  return ids;
}

describe('grouped completion UPDATE', () => {
  it('writes each row of a group its own values, and nothing else', async () => {
    const ids = await insertProcessing(7);
    const outside = ids.pop()!;
    const base = Date.UTC(2026, 10, 30, 10, 0, 0, 0);
    // Rows differ in every column; the first row carries NULLs so the derived table's types cannot come from it alone.
    const results: CompletedResult[] = ids.map((_, i) => ({
      accountStatus: i % 2 === 0 ? 'valid' : 'invalid',
      statusReason: i === 0 ? null : 'account_closed',
      registeredName: i === 0 ? null : `NAME ${i} O'BRIEN "Ä"`,
      nameMatchScore: i === 0 ? null : 50 + i,
      nameMatchResult: i === 0 ? 'not_checked' : 'close_match',
      nameMatchReasons: i === 0 ? [] : ['typo', 'token_order'].slice(0, i % 3),
      nameMatchFlags: i % 2 === 0 ? [] : ['truncated'],
      partner: `partner_${i}`,
      partnerReference: `ref-${i}`,
      verifiedAt: new Date(base + i * 1234),
      reusedFrom: i % 3 === 0 ? null : `val_SOURCE${i}`,
    }) as CompletedResult);
    const now = new Date(base + 60_000);
    await db.transaction((trx) => markCompletedMany(trx, cipher, ids.map((id, i) => ({ id, result: results[i]! })), now));

    const rows = await db('validations').whereIn('id', ids).orderBy('id');
    assert.equal(rows.length, ids.length);
    for (const row of rows) {
      const i = ids.indexOf(row.id);
      const r = results[i]!;
      assert.equal(row.status, 'completed');
      assert.equal(row.account_status, r.accountStatus);
      assert.equal(row.status_reason, r.statusReason);
      // Stored only sealed, bound to the row.
      assert.equal(row.registered_name, null);
      assert.equal(row.registered_name_ciphertext === null ? null : cipher.decrypt(row.registered_name_ciphertext, registeredNameAad(row.id)), r.registeredName);
      assert.equal(row.name_match_score, r.nameMatchScore);
      assert.equal(row.name_match_result, r.nameMatchResult);
      assert.deepEqual(typeof row.name_match_reasons === 'string' ? JSON.parse(row.name_match_reasons) : row.name_match_reasons, r.nameMatchReasons);
      assert.equal(row.partner, r.partner);
      assert.equal(row.partner_reference, r.partnerReference);
      assert.equal(new Date(row.verified_at).getTime(), r.verifiedAt.getTime());
      assert.equal(Boolean(row.cached), r.reusedFrom !== null);
      assert.equal(row.reused_from, r.reusedFrom);
      assert.equal(row.partner_followup, null);
      assert.equal(row.partner_hold_until, null);
      assert.equal(row.failure_code, null);
      assert.equal(row.failure_message, null);
      assert.equal(new Date(row.updated_at).getTime(), now.getTime());
      assert.equal(new Date(row.completed_at).getTime(), now.getTime());
    }
    const untouched = await db('validations').where({ id: outside }).first();
    assert.equal(untouched.status, 'processing');
    assert.equal(untouched.partner_followup, 'pending');
  });
});
