import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { createFieldCipher } from '../../src/platform/field-cipher.js';
import { countDecryptionFailures, fieldOfAad } from '../../src/platform/cipher-metrics.js';
import { jsonField, keyIdOf, keyIdSql, wholeOrJsonField, wholeValue } from '../../src/privacy/ciphertext-codec.js';
import { CIPHERTEXT_TABLES, codecOf } from '../../src/privacy/ciphertext-columns.js';
import { afterKey, keyIn, keyText } from '../../src/privacy/keyset.js';
import { retireCheck, type ColumnKeys } from '../../src/privacy/key-inventory.js';
import { accountAad, payeeBlindIndex, type IndexedPayee } from '../../src/validations/new-validation.js';
import { createBlindIndexer } from '../../src/platform/blind-index.js';
import { blindKeyFingerprint, reindexStep } from '../../src/privacy/blind-index-reindex.js';
import { endpointSecretAad, tenantSecretAad } from '../../src/webhooks/secret-ring.js';
import { idempotencySecretAad } from '../../src/webhooks/webhook-idempotency.js';
import { idempotencyBodyAad } from '../../src/platform/idempotency.js';
import { expectedNameAad, metadataAad, registeredNameAad, vpaAad } from '../../src/validations/personal-fields.js';
import { batchMetadataAad } from '../../src/batches/batch-store.js';
import { eventPayloadAad } from '../../src/webhooks/webhook-payload.js';
import { totpAad } from '../../src/users/session-service.js';

// The pure parts of key rotation (docs/decisions/0038): where a ciphertext sits in a value, the SQL
// of a keyset walk, the AAD of every listed column, retirement, the decryption-failure metric, and
// which rows the blind-index reindex moves.

const cipher = createFieldCipher({ keys: { k1: randomBytes(32), k2: randomBytes(32) }, activeKeyId: 'k2' });

describe('ciphertext codecs', () => {
  it('reads the key id of a v1 ciphertext and nothing else', () => {
    assert.equal(keyIdOf(cipher.encrypt('x', 'a')), 'k2');
    assert.equal(keyIdOf('v1.old_key-1.iv.ct.tag'), 'old_key-1');
    for (const notOne of [null, '', 'v1.', 'v1..x', 'v2.k1.a.b.c', '{"a":1}', '5010001234567']) assert.equal(keyIdOf(notOne), null, String(notOne));
  });

  it('a whole value is its own ciphertext; plaintext in the column is none', () => {
    const ct = cipher.encrypt('x', 'a');
    assert.equal(wholeValue.read(ct), ct);
    assert.equal(wholeValue.read('{"vpa":"a@b"}'), null);
    assert.equal(wholeValue.read(null), null);
    assert.equal(wholeValue.write(ct, 'v1.k9.n.e.w'), 'v1.k9.n.e.w');
  });

  it('a JSON field is read at the top level only and rewritten in place', () => {
    const codec = jsonField('sealed_secret');
    const ct = cipher.encrypt('whsec_x', 'a');
    const stored = JSON.stringify({ id: 'whe_1', metadata: { sealed_secret: 'v1.k1.a.b.c' }, sealed_secret: ct, url: 'https://x' });
    assert.equal(codec.read(stored), ct);
    assert.equal(codec.read(JSON.stringify({ metadata: { sealed_secret: ct } })), null, 'nested text is not a ciphertext');
    assert.equal(codec.read(JSON.stringify({ sealed_secret: 'whsec_plain' })), null);
    for (const odd of [null, 'not json', '[1,2]', 'null', '"v1.k1.a.b.c"']) assert.equal(codec.read(odd), null, String(odd));
    const rewritten = JSON.parse(codec.write(stored, 'v1.k9.n.e.w'));
    assert.deepEqual(Object.keys(rewritten), ['id', 'metadata', 'sealed_secret', 'url']);
    assert.equal(rewritten.sealed_secret, 'v1.k9.n.e.w');
    assert.equal(rewritten.metadata.sealed_secret, 'v1.k1.a.b.c');
    assert.throws(() => jsonField("x') OR ('1"), /unsupported field name/);
  });

  it('a column sealed whole, whose older values held a sealed field: the whole value first, else that field', () => {
    const codec = wholeOrJsonField('sealed_secret');
    const whole = cipher.encrypt(JSON.stringify({ id: 'whe_1', secret: 'whsec_x' }), 'a');
    const inner = cipher.encrypt('whsec_x', 'b');
    const old = JSON.stringify({ id: 'whe_1', sealed_secret: inner });
    assert.equal(codec.read(whole), whole);
    assert.equal(codec.read(old), inner);
    assert.equal(codec.read(JSON.stringify({ id: 'val_1', vpa: 'a@b' })), null, 'an answer stored in clear with nothing sealed in it');
    assert.equal(codec.read(null), null);
    assert.equal(codec.write(whole, 'v1.k9.n.e.w'), 'v1.k9.n.e.w');
    assert.equal(JSON.parse(codec.write(old, 'v1.k9.n.e.w')).sealed_secret, 'v1.k9.n.e.w');
    assert.equal(codec.sql('`r`'), "CASE WHEN LEFT(`r`, 3) = 'v1.' THEN `r` ELSE CASE WHEN JSON_VALID(`r`) THEN JSON_UNQUOTE(JSON_EXTRACT(`r`, '$.sealed_secret')) END END");
  });

  it('builds the SQL that mirrors them, comparing key ids byte for byte', () => {
    assert.equal(wholeValue.sql('`c`'), '`c`');
    assert.equal(jsonField('sealed_secret').sql('`b`'), "CASE WHEN JSON_VALID(`b`) THEN JSON_UNQUOTE(JSON_EXTRACT(`b`, '$.sealed_secret')) END");
    const sql = keyIdSql('`c`');
    assert.match(sql, /^CONVERT\(CASE WHEN LEFT\(`c`, 3\) = 'v1\.' THEN SUBSTRING_INDEX\(SUBSTRING_INDEX\(`c`, '\.', 2\), '\.', -1\) END USING utf8mb4\) COLLATE utf8mb4_bin$/);
  });
});

describe('the ciphertext column list', () => {
  const field = (table: string, column: string) => {
    const f = CIPHERTEXT_TABLES.find((t) => t.table === table)?.fields.find((x) => x.column === column);
    assert.ok(f, `${table}.${column} is listed`);
    return f;
  };

  it('binds each column to the AAD its writer uses', () => {
    assert.equal(field('validations', 'account_ciphertext').aad({ id: 'val_1' }), accountAad('val_1'));
    assert.equal(field('validations', 'vpa_ciphertext').aad({ id: 'val_1' }), vpaAad('val_1'));
    assert.equal(field('validations', 'expected_name_ciphertext').aad({ id: 'val_1' }), expectedNameAad('val_1'));
    assert.equal(field('validations', 'registered_name_ciphertext').aad({ id: 'val_1' }), registeredNameAad('val_1'));
    assert.equal(field('validations', 'metadata_ciphertext').aad({ id: 'val_1' }), metadataAad('val_1'));
    assert.equal(field('batches', 'metadata_ciphertext').aad({ id: 'bat_1' }), batchMetadataAad('bat_1'));
    assert.equal(field('webhook_events', 'payload').aad({ id: 'evt_1' }), eventPayloadAad('evt_1'));
    assert.equal(new Set([vpaAad, expectedNameAad, registeredNameAad, metadataAad, accountAad].map((f) => f('val_1'))).size, 5, 'one AAD per field');
    for (const c of ['secret_ciphertext', 'previous_secret_ciphertext']) {
      assert.equal(field('webhook_endpoints', c).aad({ id: 'whe_1' }), endpointSecretAad('whe_1'));
      assert.equal(field('tenant_webhook_secrets', c).aad({ tenant_id: 'ten_1', livemode: 1 }), tenantSecretAad({ tenantId: 'ten_1', livemode: true }));
      assert.equal(field('tenant_webhook_secrets', c).aad({ tenant_id: 'ten_1', livemode: 0 }), tenantSecretAad({ tenantId: 'ten_1', livemode: false }));
    }
    assert.equal(field('users', 'totp_ciphertext').aad({ id: 'usr_1' }), totpAad('usr_1'));
    const idem = field('idempotency_keys', 'response_body');
    const key = { tenant_id: 'ten_1', livemode: '0', idem_key: 'k-1' };
    const oldAnswer = JSON.stringify({ sealed_secret: cipher.encrypt('s', 'a') });
    assert.equal(idem.aad(key, oldAnswer), idempotencySecretAad({ tenantId: 'ten_1', livemode: false }, 'k-1'), 'an old answer: its sealed secret');
    assert.equal(idem.aad(key, cipher.encrypt('{}', 'a')), idempotencyBodyAad({ tenantId: 'ten_1', livemode: false }, 'k-1'), 'an answer sealed whole');
    assert.equal(codecOf(idem).read(oldAnswer) !== null, true);
  });

  it('never logs an Idempotency-Key, and every AAD reads only the key or the listed columns', () => {
    const idem = CIPHERTEXT_TABLES.find((t) => t.table === 'idempotency_keys')!;
    assert.ok(!(idem.loggedKey ?? idem.key).includes('idem_key'));
    for (const t of CIPHERTEXT_TABLES) {
      const visible = new Set([...t.key, ...(t.aadColumns ?? [])]);
      for (const f of t.fields) {
        const read: string[] = [];
        const row = new Proxy({}, { get: (_t, p) => (read.push(String(p)), p === 'livemode' ? 1 : 'x') });
        f.aad(row);
        for (const c of read) assert.ok(visible.has(c), `${t.table}.${f.column}'s AAD reads ${c}, which the rotation does not select`);
      }
    }
  });
});

describe('keyset SQL', () => {
  it('one column: a plain comparison and IN list', () => {
    assert.deepEqual(afterKey(['id'], ['val_9']), { sql: '((`id` > ?))', bindings: ['val_9'] });
    assert.deepEqual(keyIn(['id'], [['a'], ['b']]), { sql: '`id` IN (?, ?)', bindings: ['a', 'b'] });
  });

  it('a composite key: lexicographic order written out as ORs', () => {
    assert.deepEqual(afterKey(['tenant_id', 'livemode', 'idem_key'], ['t', 1, 'k']), {
      sql: '((`tenant_id` > ?) OR (`tenant_id` = ? AND `livemode` > ?) OR (`tenant_id` = ? AND `livemode` = ? AND `idem_key` > ?))',
      bindings: ['t', 't', 1, 't', 1, 'k'],
    });
    assert.deepEqual(keyIn(['a', 'b'], [['x', 0], ['y', 1]]), { sql: '((`a` = ? AND `b` = ?) OR (`a` = ? AND `b` = ?))', bindings: ['x', 0, 'y', 1] });
  });

  it('refuses what it cannot express safely', () => {
    assert.throws(() => afterKey(['id'], []), /cursor/);
    assert.throws(() => keyIn(['id'], []), /no keys/);
    assert.throws(() => keyIn(['a', 'b'], [['x']]), /key columns/);
    assert.throws(() => afterKey(['id`; DROP'], ['x']), /unsupported column/);
    assert.equal(keyText(['t', 1, 'k']), '["t",1,"k"]');
  });
});

describe('retire-check', () => {
  const inventory: ColumnKeys[] = [
    { table: 'validations', column: 'account_ciphertext', byKey: { k1: 3, k2: 10 } },
    { table: 'users', column: 'totp_ciphertext', byKey: { k2: 1 } },
  ];
  it('a key is retirable only when nothing names it and it is not the active key', () => {
    assert.deepEqual(retireCheck(inventory, 'k1', 'k2'), { keyId: 'k1', remaining: { 'validations.account_ciphertext': 3 }, active: false, retirable: false });
    assert.equal(retireCheck(inventory, 'k0', 'k2').retirable, true);
    assert.deepEqual(retireCheck([], 'k2', 'k2'), { keyId: 'k2', remaining: {}, active: true, retirable: false });
  });
});

describe('decryption failure metric', () => {
  it('counts failures by field and by whether the key is configured, and rethrows the opaque error', async () => {
    const registry = new Registry();
    const counted = countDecryptionFailures(cipher, registry, ['k1', 'k2']);
    const ct = counted.encrypt('secret', 'validations.account_number:val_1');
    assert.equal(counted.decrypt(ct, 'validations.account_number:val_1'), 'secret');
    assert.equal(counted.activeKeyId, 'k2');
    assert.throws(() => counted.decrypt(ct, 'validations.account_number:val_2'), /^Error: field decryption failed$/);
    assert.throws(() => counted.decrypt('v1.k0.AAAA.BBBB.CCCC', 'user-totp:usr_1'), /field decryption failed/);
    const text = await registry.metrics();
    assert.match(text, /payval_field_decryption_failures_total\{field="validations.account_number",key="configured"\} 1/);
    assert.match(text, /payval_field_decryption_failures_total\{field="user-totp",key="missing"\} 1/);
    assert.equal(fieldOfAad('no-colon'), 'other');
    assert.equal(fieldOfAad('Weird Field:1'), 'other');
  });
});

describe('blind-index reindex: which rows it moves', () => {
  const previousKey = randomBytes(32);
  const currentKey = randomBytes(32);
  const problems: unknown[] = [];
  const step = reindexStep({ cipher, previousKey, currentKey, onProblem: (p) => problems.push(p) });
  const index = (key: Buffer, payee: IndexedPayee) => payeeBlindIndex(createBlindIndexer(key), 'ten_1', payee);
  const bank = (id: string, blind: string | null, ciphertext = cipher.encrypt('50100012345678', accountAad(id))) =>
    ({ id, tenant_id: 'ten_1', livemode: 1, type: 'bank_account', ifsc: 'HDFC0000001', vpa: null, account_ciphertext: ciphertext, account_blind_index: blind });
  const payee: IndexedPayee = { type: 'bank_account', ifsc: 'HDFC0000001', accountNumber: '50100012345678' };

  it('moves rows still under the previous key, and only those', () => {
    assert.equal(step.classify(bank('val_1', index(previousKey, payee))), 'work');
    assert.equal(step.classify(bank('val_2', index(currentKey, payee))), 'done');
    assert.equal(step.classify(bank('val_3', null)), 'done', 'a purged row has no index');
    assert.equal(step.classify(bank('val_4', 'f'.repeat(64))), 'done', 'an index under some third key is not this run\'s');
    const vpa = { id: 'val_5', tenant_id: 'ten_1', livemode: 0, type: 'vpa', ifsc: null, vpa: 'asha@okaxis', account_ciphertext: null, account_blind_index: index(previousKey, { type: 'vpa', vpa: 'asha@okaxis' }) };
    assert.equal(step.classify(vpa), 'work');
    assert.deepEqual(problems, []);
  });

  it('reports a row whose account number no configured key opens', () => {
    assert.equal(step.classify(bank('val_6', index(previousKey, payee), cipher.encrypt('50100012345678', accountAad('val_other')))), 'failed');
    assert.deepEqual(problems, [{ id: 'val_6', problem: 'undecryptable' }]);
  });

  it('names a key by a fingerprint that does not reveal it', () => {
    assert.match(blindKeyFingerprint(currentKey), /^[0-9a-f]{16}$/);
    assert.equal(blindKeyFingerprint(currentKey), blindKeyFingerprint(Buffer.from(currentKey)));
    assert.notEqual(blindKeyFingerprint(currentKey), blindKeyFingerprint(previousKey));
    assert.ok(!currentKey.toString('hex').includes(blindKeyFingerprint(currentKey)));
  });
});
