import type { Db, Trx } from '../platform/db.js';

/** What each tenant's purge has got to, per mode: `validations` and `batches` by id, `batch_rows` as `<batch id>:<row>`. */
export type RetentionTable = 'validations' | 'batches' | 'batch_rows';

export async function readCursor(db: Db | Trx, tenantId: string, livemode: boolean, table: RetentionTable): Promise<string | null> {
  const row = await db('retention_cursors').where({ tenant_id: tenantId, livemode, table_name: table }).first('through_id');
  return (row?.through_id as string | undefined) ?? null;
}

/** Moves the cursor, in the transaction of the page it covers, so a kill between pages loses nothing and redoes nothing. */
export async function writeCursor(db: Db | Trx, tenantId: string, livemode: boolean, table: RetentionTable, throughId: string, now: Date): Promise<void> {
  await db('retention_cursors')
    .insert({ tenant_id: tenantId, livemode, table_name: table, through_id: throughId, updated_at: now })
    .onConflict(['tenant_id', 'livemode', 'table_name'])
    .merge(['through_id', 'updated_at']);
}
