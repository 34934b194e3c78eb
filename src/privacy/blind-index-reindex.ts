// `payval keys reindex`: every validation's blind index recomputed under BLIND_INDEX_KEY where it is
// still the one BLIND_INDEX_PREVIOUS_KEY made, with the answer-reuse pointer moved along in the same
// transaction. A stored index names no key, so which key made it is found by recomputing both from the
// payee (the account number or the VPA, decrypted; a VPA stored in clear before decision 0039 as it is). See docs/decisions/0038-key-rotation-and-retirement.md.
import { createHmac } from 'node:crypto';
import type { Db, Trx } from '../platform/db.js';
import type { FieldCipher } from '../platform/field-cipher.js';
import { createBlindIndexer } from '../platform/blind-index.js';
import { accountAad, payeeBlindIndex, type IndexedPayee } from '../validations/new-validation.js';
import { movePartnerAnswer } from '../validations/partner-answer-store.js';
import { openPersonalFields } from '../validations/personal-fields.js';
import type { RunResult } from './lifecycle-run.js';
import type { RewriteStep, StoredRow } from './lifecycle-step.js';
import { runKeyJob, type KeyJobOptions } from './key-job.js';

export const BLIND_INDEX_REINDEX = 'blind_index_reindex';

/** A short name for a blind-index key that reveals nothing of it: which key a run converges to. */
export const blindKeyFingerprint = (key: Buffer): string => createHmac('sha256', key).update('payval blind-index key fingerprint').digest('hex').slice(0, 16);

/** A row the reindex cannot move: its account number does not decrypt, or its new index is taken. */
export interface ReindexProblem { id: string; problem: 'undecryptable' | 'duplicate' }

const COLUMNS = ['tenant_id', 'livemode', 'type', 'ifsc', 'vpa', 'vpa_ciphertext', 'account_ciphertext', 'account_blind_index'];

function payeeOf(row: StoredRow, cipher: FieldCipher): IndexedPayee | null {
  if (row.type === 'vpa') {
    const { vpa } = openPersonalFields(cipher, { id: row.id, vpa: row.vpa, vpa_ciphertext: row.vpa_ciphertext });
    return vpa === null ? null : { type: 'vpa', vpa };
  }
  if (typeof row.account_ciphertext !== 'string' || typeof row.ifsc !== 'string') return null;
  return { type: 'bank_account', ifsc: row.ifsc, accountNumber: cipher.decrypt(row.account_ciphertext, accountAad(String(row.id))) };
}

export function reindexStep(d: { cipher: FieldCipher; previousKey: Buffer; currentKey: Buffer; onProblem: (p: ReindexProblem) => void }): RewriteStep {
  const previous = createBlindIndexer(d.previousKey);
  const current = createBlindIndexer(d.currentKey);
  /** Both indexes of the row's payee, null when the row has none (purged, or no payee data). */
  function indexes(row: StoredRow): { old: string; now: string } | null {
    if (typeof row.account_blind_index !== 'string') return null;
    const payee = payeeOf(row, d.cipher);
    if (!payee) return null;
    const tenantId = String(row.tenant_id);
    return { old: payeeBlindIndex(previous, tenantId, payee), now: payeeBlindIndex(current, tenantId, payee) };
  }
  const undecryptable = (row: StoredRow) => d.onProblem({ id: String(row.id), problem: 'undecryptable' });
  return {
    tableName: 'validations',
    columnSet: 'account_blind_index',
    key: ['id'],
    probe: COLUMNS,
    locked: COLUMNS,
    classify(row) {
      try {
        return indexes(row)?.old === row.account_blind_index ? 'work' : 'done';
      } catch {
        undecryptable(row);
        return 'failed';
      }
    },
    async rewrite(trx: Trx, row: StoredRow) {
      let ix: ReturnType<typeof indexes>;
      try {
        ix = indexes(row);
      } catch {
        undecryptable(row);
        return { changed: false, failed: true };
      }
      if (!ix || ix.old !== row.account_blind_index) return { changed: false, failed: false };
      try {
        await trx('validations').where({ id: row.id }).update({ account_blind_index: ix.now });
      } catch (err) {
        // The batch already holds the payee under the new index: left as it is, counted.
        if ((err as { errno?: number }).errno !== 1062) throw err;
        d.onProblem({ id: String(row.id), problem: 'duplicate' });
        return { changed: false, failed: true };
      }
      await movePartnerAnswer(trx, { tenantId: String(row.tenant_id), livemode: Number(row.livemode) === 1, validationId: String(row.id), from: ix.old, to: ix.now });
      return { changed: true, failed: false };
    },
  };
}

export interface ReindexOptions extends KeyJobOptions {
  cipher: FieldCipher;
  previousKey: Buffer;
  currentKey: Buffer;
  onProblem: (p: ReindexProblem) => void;
}

/** Audited as `keys.reindex_started` / `keys.reindex_completed`. */
export function reindexBlindIndex(db: Db, o: ReindexOptions): Promise<RunResult> {
  const step = reindexStep(o);
  return runKeyJob(db, { kind: BLIND_INDEX_REINDEX, audit: 'keys.reindex', target: blindKeyFingerprint(o.currentKey), steps: [step] }, o);
}
