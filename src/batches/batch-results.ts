import { once } from 'node:events';
import type { Response } from 'express';
import type { Db } from '../platform/db.js';
import type { FieldCipher } from '../platform/field-cipher.js';
import { registeredNameAad, vpaAad } from '../validations/personal-fields.js';
import { csvLine } from './csv-escape.js';

export type ResultsFormat = 'csv' | 'ndjson';

export const RESULT_COLUMNS = [
  'row', 'reference_id', 'status', 'type', 'masked_account_number', 'ifsc', 'vpa', 'account_status',
  'registered_name', 'name_match_result', 'name_match_score', 'failure_code', 'validation_id', 'name_match_flags',
] as const;

type ResultRecord = Record<(typeof RESULT_COLUMNS)[number], string | number | null>;

/**
 * The matcher's flags as one space-separated cell (last column, so readers by position are not
 * shifted); null when the row was never matched, empty when it was matched before flags existed.
 */
function flagsCell(value: unknown, result: unknown): string | null {
  if (result === null || result === undefined) return null;
  if (value === null || value === undefined) return '';
  return ((typeof value === 'string' ? JSON.parse(value) : value) as string[]).join(' ');
}

/** A sealed field of the row's validation opened, or the plaintext column of a row stored before (decision 0039). */
function opened(cipher: FieldCipher, sealed: unknown, plain: unknown, aad: (id: string) => string, validationId: unknown): string | null {
  if (typeof sealed === 'string') return cipher.decrypt(sealed, aad(String(validationId)));
  return (plain as string | null) ?? null;
}

function toRecord(r: Record<string, unknown>, cipher: FieldCipher): ResultRecord {
  const rejected = Boolean(r.rejected);
  return {
    row: Number(r.row_number),
    reference_id: (r.reference_id as string | null) ?? null,
    status: rejected ? 'rejected' : ((r.status as string | null) ?? null),
    type: (r.type as string | null) ?? null,
    masked_account_number: r.account_last4 ? `XXXXXX${r.account_last4 as string}` : null,
    ifsc: (r.ifsc as string | null) ?? null,
    vpa: opened(cipher, r.vpa_ciphertext, r.vpa, vpaAad, r.validation_id),
    account_status: (r.account_status as string | null) ?? null,
    registered_name: opened(cipher, r.registered_name_ciphertext, r.registered_name, registeredNameAad, r.validation_id),
    name_match_result: (r.name_match_result as string | null) ?? null,
    name_match_score: r.name_match_score === null || r.name_match_score === undefined ? null : Number(r.name_match_score),
    failure_code: rejected ? ((r.rejection_code as string | null) ?? null) : ((r.failure_code as string | null) ?? null),
    validation_id: (r.validation_id as string | null) ?? null,
    name_match_flags: flagsCell(r.name_match_flags, r.name_match_result),
  };
}

/**
 * One line per input row, in input order, read in keyset pages and written with backpressure, so a
 * million-row result never sits in memory. Stops early if the client goes away.
 */
export async function streamBatchResults(db: Db, cipher: FieldCipher, batchId: string, format: ResultsFormat, res: Response, pageSize = 2000): Promise<void> {
  let closed = false;
  res.once('close', () => {
    closed = true;
  });
  const write = async (chunk: string) => {
    if (!res.write(chunk)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
  };
  if (format === 'csv') await write(csvLine([...RESULT_COLUMNS]));
  let after = 0;
  while (!closed) {
    const rows = await db('batch_rows as br')
      .leftJoin('validations as v', 'v.id', 'br.validation_id')
      .where('br.batch_id', batchId)
      .where('br.row_number', '>', after)
      .orderBy('br.row_number')
      .limit(pageSize)
      .select(
        'br.row_number', 'br.reference_id', 'br.rejected', 'br.rejection_code', 'br.validation_id',
        'v.status', 'v.type', 'v.account_last4', 'v.ifsc', 'v.vpa', 'v.vpa_ciphertext', 'v.account_status', 'v.registered_name', 'v.registered_name_ciphertext',
        'v.name_match_result', 'v.name_match_score', 'v.name_match_flags', 'v.failure_code',
      );
    if (rows.length === 0) break;
    let out = '';
    for (const r of rows) {
      const rec = toRecord(r, cipher);
      out += format === 'csv' ? csvLine(RESULT_COLUMNS.map((c) => rec[c])) : `${JSON.stringify(rec)}\n`;
    }
    await write(out);
    after = Number(rows[rows.length - 1]!.row_number);
    if (rows.length < pageSize) break;
  }
  res.end();
}
