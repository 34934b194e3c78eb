// Key rotation: every ciphertext re-encrypted under the active key, bound to the same AAD, so that an
// old key can then leave ENCRYPTION_KEYS. See docs/decisions/0038-key-rotation-and-retirement.md.
import type { Db, Trx } from '../platform/db.js';
import type { FieldCipher } from '../platform/field-cipher.js';
import { keyIdOf, keyIdSql } from './ciphertext-codec.js';
import { CIPHERTEXT_TABLES, codecOf, type CiphertextTable } from './ciphertext-columns.js';
import type { RunResult } from './lifecycle-run.js';
import type { RewriteStep, StoredRow } from './lifecycle-step.js';
import { runKeyJob, type KeyJobOptions } from './key-job.js';

export const KEY_ROTATION = 'key_rotation';

/** A ciphertext that no configured key opens (wrong AAD, corrupt, or its key already removed). */
export interface DecryptionFailure { table: string; column: string; key: Record<string, unknown>; keyId: string | null }

const alias = (i: number) => `key_id_${i}`;

/** The step that rotates one table's ciphertext columns to `cipher`'s active key. */
export function rotationStep(t: CiphertextTable, cipher: FieldCipher, onFailure: (f: DecryptionFailure) => void): RewriteStep {
  const target = cipher.activeKeyId;
  const loggedKey = t.loggedKey ?? t.key;
  return {
    tableName: t.table,
    columnSet: t.fields.map((f) => f.column).join(','),
    key: t.key,
    probe: t.fields.map((f, i) => `${keyIdSql(codecOf(f).sql(`\`${f.column}\``))} AS ${alias(i)}`),
    classify: (row) => (t.fields.some((_, i) => row[alias(i)] !== null && row[alias(i)] !== target) ? 'work' : 'done'),
    locked: [...(t.aadColumns ?? []), ...t.fields.map((f) => f.column)],
    async rewrite(trx: Trx, row: StoredRow) {
      const changes: Record<string, string> = {};
      let failed = false;
      for (const f of t.fields) {
        const codec = codecOf(f);
        const stored = row[f.column] as string | null;
        const ciphertext = codec.read(stored);
        const keyId = keyIdOf(ciphertext);
        if (ciphertext === null || keyId === target) continue;
        let plain: string;
        try {
          plain = cipher.decrypt(ciphertext, f.aad(row, stored));
        } catch {
          failed = true;
          onFailure({ table: t.table, column: f.column, key: Object.fromEntries(loggedKey.map((c) => [c, row[c]])), keyId });
          continue;
        }
        changes[f.column] = codec.write(stored!, cipher.encrypt(plain, f.aad(row, stored)));
      }
      if (Object.keys(changes).length === 0) return { changed: false, failed };
      await trx(t.table).where(Object.fromEntries(t.key.map((c) => [c, row[c]]))).update(changes);
      return { changed: true, failed };
    },
  };
}

export interface RotateOptions extends KeyJobOptions {
  cipher: FieldCipher;
  tables?: readonly CiphertextTable[];
  onFailure: (f: DecryptionFailure) => void;
}

/**
 * Rotates every ciphertext column to the active key, resuming an unfinished rotation to the same key.
 * Audited as `keys.rotation_started` / `keys.rotation_completed`.
 */
export function rotateKeys(db: Db, o: RotateOptions): Promise<RunResult> {
  const steps = (o.tables ?? CIPHERTEXT_TABLES).map((t) => rotationStep(t, o.cipher, o.onFailure));
  return runKeyJob(db, { kind: KEY_ROTATION, audit: 'keys.rotation', target: o.cipher.activeKeyId, steps }, o);
}
