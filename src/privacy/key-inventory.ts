// Which keys the stored ciphertexts name, counted in MySQL: `payval keys status` and
// `payval keys retire-check`. Plain consistent reads (full scans, no locks), so they can run beside
// live traffic; on a large table they take a while.
import type { Db } from '../platform/db.js';
import { keyIdSql } from './ciphertext-codec.js';
import { CIPHERTEXT_TABLES, codecOf, type CiphertextTable } from './ciphertext-columns.js';

export interface ColumnKeys {
  table: string;
  column: string;
  /** Ciphertexts per key id. */
  byKey: Record<string, number>;
}

export async function ciphertextInventory(db: Db, tables: readonly CiphertextTable[] = CIPHERTEXT_TABLES): Promise<ColumnKeys[]> {
  const out: ColumnKeys[] = [];
  for (const t of tables) {
    for (const f of t.fields) {
      const keyId = keyIdSql(codecOf(f).sql(`\`${f.column}\``));
      const rows = (await db(t.table)
        .select(db.raw(`${keyId} AS key_id`), db.raw('COUNT(*) AS n'))
        .whereRaw(`${keyId} IS NOT NULL`)
        .groupBy('key_id')
        .orderBy('key_id')) as Array<{ key_id: string; n: number | string }>;
      out.push({ table: t.table, column: f.column, byKey: Object.fromEntries(rows.map((r) => [String(r.key_id), Number(r.n)])) });
    }
  }
  return out;
}

export interface RetireCheck {
  keyId: string;
  /** Ciphertexts that still name the key, per `table.column` (only the non-zero ones). */
  remaining: Record<string, number>;
  active: boolean;
  /** True only when nothing names the key and it is not the active one. */
  retirable: boolean;
}

/** Whether `keyId` may leave ENCRYPTION_KEYS: no ciphertext anywhere names it. */
export function retireCheck(inventory: readonly ColumnKeys[], keyId: string, activeKeyId: string): RetireCheck {
  const remaining: Record<string, number> = {};
  for (const c of inventory) {
    const n = c.byKey[keyId] ?? 0;
    if (n > 0) remaining[`${c.table}.${c.column}`] = n;
  }
  const active = keyId === activeKeyId;
  return { keyId, remaining, active, retirable: !active && Object.keys(remaining).length === 0 };
}
