import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createFieldCipher } from '../../src/platform/field-cipher.js';
import { jsonText, openPersonalFields, PERSONAL_COLUMNS, sealNewFields, sealRegisteredName } from '../../src/validations/personal-fields.js';
import { openEventPayload, sealEventPayload } from '../../src/webhooks/webhook-payload.js';
import { purgedEventPayload } from '../../src/privacy/purge-plan.js';

// The row codec of the payee's sealed fields (decision 0039): what a new row stores, how a stored row
// opens (ciphertext first, the plaintext column of an older row otherwise), and that a ciphertext is
// bound to its row and field.

const cipher = createFieldCipher({ keys: { k1: randomBytes(32) }, activeKeyId: 'k1' });
const fields = { vpa: 'asha.rao@okaxis', expectedName: 'Asha Rao', metadata: { erp: 'sap', note: 'ünïcode ✓' } };

describe('personal fields', () => {
  it('a new row stores ciphertexts only, and opens to what was sealed', () => {
    const sealed = sealNewFields(cipher, 'val_1', fields);
    for (const c of Object.values(sealed)) assert.match(c!, /^v1\.k1\./);
    const row = { id: 'val_1', vpa_ciphertext: sealed.vpaCiphertext, expected_name_ciphertext: sealed.expectedNameCiphertext, metadata_ciphertext: sealed.metadataCiphertext, registered_name_ciphertext: sealRegisteredName(cipher, 'val_1', 'ASHA RAO') };
    assert.deepEqual(openPersonalFields(cipher, row), { ...fields, registeredName: 'ASHA RAO' });
    assert.deepEqual(sealNewFields(cipher, 'val_1', { vpa: null, expectedName: null, metadata: null }), { vpaCiphertext: null, expectedNameCiphertext: null, metadataCiphertext: null });
    assert.equal(sealRegisteredName(cipher, 'val_1', null), null);
  });

  it('a row written before reads its plaintext columns; metadata as MariaDB (text) or MySQL 8 (parsed) returns it', () => {
    const old = { id: 'val_2', vpa: 'b@okaxis', expected_name: 'B', registered_name: 'BEE', metadata: '{"erp":"sap"}' };
    assert.deepEqual(openPersonalFields(cipher, old), { vpa: 'b@okaxis', expectedName: 'B', registeredName: 'BEE', metadata: { erp: 'sap' } });
    assert.deepEqual(openPersonalFields(cipher, { ...old, metadata: { erp: 'sap' } }).metadata, { erp: 'sap' });
    assert.equal(jsonText({ a: 'b' }), '{"a":"b"}');
    assert.equal(jsonText('{"a":"b"}'), '{"a":"b"}');
    assert.equal(jsonText(null), null);
  });

  it('the ciphertext wins over a plaintext left beside it', () => {
    const row = { id: 'val_3', vpa: 'stale@okaxis', vpa_ciphertext: sealNewFields(cipher, 'val_3', { ...fields }).vpaCiphertext };
    assert.equal(openPersonalFields(cipher, row).vpa, fields.vpa);
  });

  it('a ciphertext opens only on its own row and in its own field', () => {
    const sealed = sealNewFields(cipher, 'val_4', fields);
    assert.throws(() => openPersonalFields(cipher, { id: 'val_5', vpa_ciphertext: sealed.vpaCiphertext }), /field decryption failed/);
    assert.throws(() => openPersonalFields(cipher, { id: 'val_4', expected_name_ciphertext: sealed.vpaCiphertext }), /field decryption failed/);
    assert.equal(new Set(PERSONAL_COLUMNS.map((c) => c.aad('val_4'))).size, PERSONAL_COLUMNS.length);
  });
});

describe('event payloads', () => {
  it('sealed in place, opened to the same bytes; a body stored in clear reads as it is', () => {
    const body = JSON.stringify({ type: 'validation.completed', data: { id: 'val_1', vpa: fields.vpa } });
    const stored = sealEventPayload(cipher, 'evt_1', body);
    assert.match(stored, /^v1\.k1\./);
    assert.equal(openEventPayload(cipher, 'evt_1', stored), body);
    assert.equal(openEventPayload(cipher, 'evt_1', body), body);
    assert.throws(() => openEventPayload(cipher, 'evt_2', stored), /field decryption failed/);
  });

  it('a purged event stub comes from the event columns, never the sealed payload', () => {
    const at = new Date('2026-12-01T10:00:00.123Z');
    const now = new Date('2027-06-01T00:00:00Z');
    const stub = JSON.parse(purgedEventPayload({ objectId: 'val_1', livemode: true, type: 'validation.completed', createdAt: at }, now));
    assert.deepEqual(stub, { type: 'validation.completed', timestamp: at.toISOString(), data: { id: 'val_1', object: 'validation', livemode: true, purged_at: now.toISOString() } });
    assert.equal(JSON.parse(purgedEventPayload({ objectId: 'bat_1', livemode: false, type: 'batch.completed', createdAt: at }, now)).data.object, 'batch');
    assert.equal(JSON.parse(purgedEventPayload({ objectId: 'we_1', livemode: false, type: 'other.kind', createdAt: at }, now)).data.object, null);
  });
});
