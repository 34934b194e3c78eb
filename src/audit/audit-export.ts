import { once } from 'node:events';
import type { Response } from 'express';
import type { Db } from '../platform/db.js';
import { readAuditPage, type AuditFilter, type AuditRange } from '../platform/audit-query.js';
import { csvLine } from '../batches/csv-escape.js';
import { AUDIT_CSV_COLUMNS, auditCsvCells, toAuditEventView } from './audit-event-view.js';

/** Entries per page of the export: one page in memory at a time, whatever the range holds. */
export const EXPORT_PAGE_SIZE = 1000;

/**
 * The tenant's entries in `range`, newest first, as CSV: keyset pages to the end of the range, each
 * written with backpressure before the next is read, so a year of a busy tenant's log never sits in
 * memory. Cells are formula-safe (csv-escape). Stops early if the client goes away.
 */
export async function streamAuditCsv(db: Db, tenantId: string, filter: AuditFilter, range: AuditRange, res: Response, pageSize = EXPORT_PAGE_SIZE): Promise<void> {
  let closed = false;
  res.once('close', () => {
    closed = true;
  });
  const write = async (chunk: string) => {
    if (!res.write(chunk)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
  };
  await write(csvLine([...AUDIT_CSV_COLUMNS]));
  let before: bigint | null = null;
  do {
    const page = await readAuditPage(db, tenantId, filter, range, before, pageSize);
    if (page.entries.length > 0) await write(page.entries.map((e) => csvLine(auditCsvCells(toAuditEventView(e)))).join(''));
    before = page.next === null ? null : BigInt(page.next);
  } while (before !== null && !closed);
  res.end();
}
