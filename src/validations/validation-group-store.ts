// Multi-row statements for the worker's grouped row steps (group-transaction.ts): one statement per
// group where the single-row steps took one per validation. Raw SQL: knex's query builder costs more
// CPU than MySQL does for statements this simple.

import type { Knex } from 'knex';
import type { Trx } from '../platform/db.js';
import type { FieldCipher } from '../platform/field-cipher.js';
import { sealRegisteredName } from './personal-fields.js';
import { fromRow } from './validation-store.js';
import type { CompletedResult, Validation } from './validation-types.js';

const marks = (n: number): string => Array.from({ length: n }, () => '?').join(', ');

type Binding = Knex.RawBinding;

async function rowsOf(trx: Trx, sql: string, bindings: readonly Binding[]): Promise<Record<string, unknown>[]> {
  const [rows] = (await trx.raw(sql, bindings)) as unknown as [Record<string, unknown>[]];
  return rows;
}

/** Locks the rows in primary-key order (the order every group takes them in) and returns them by id. */
export async function lockValidations(trx: Trx, cipher: FieldCipher, ids: readonly string[]): Promise<Map<string, Validation>> {
  const unique = [...new Set(ids)];
  const rows = await rowsOf(trx, `SELECT * FROM validations WHERE id IN (${marks(unique.length)}) ORDER BY id FOR UPDATE`, unique);
  return new Map(rows.map((r) => [r.id as string, fromRow(r, cipher)]));
}

/** Plain reads of other validations (the answers a claim may reuse), by id. */
export async function readValidations(trx: Trx, cipher: FieldCipher, ids: readonly string[]): Promise<Map<string, Validation>> {
  if (ids.length === 0) return new Map();
  const unique = [...new Set(ids)];
  const rows = await rowsOf(trx, `SELECT * FROM validations WHERE id IN (${marks(unique.length)})`, unique);
  return new Map(rows.map((r) => [r.id as string, fromRow(r, cipher)]));
}

/** queued|processing → processing for each id; `countAttempt` false for free follow-ups. */
export async function markProcessingMany(trx: Trx, ids: readonly string[], now: Date, countAttempt: boolean): Promise<void> {
  if (ids.length === 0) return;
  await trx.raw(
    `UPDATE validations SET status = 'processing', ${countAttempt ? 'attempts = attempts + 1, ' : ''}processing_started_at = ?, updated_at = ? WHERE id IN (${marks(ids.length)})`,
    [now, now, ...ids],
  );
}

/** Adds the spend-cap slots each row just reserved (docs/decisions/0037); one UPDATE per slot count. */
export async function addQuotaSlots(trx: Trx, slots: ReadonlyArray<{ id: string; n: number }>): Promise<void> {
  for (const n of [...new Set(slots.map((s) => s.n))].sort()) {
    const ids = slots.filter((s) => s.n === n).map((s) => s.id);
    await trx.raw(`UPDATE validations SET quota_reserved = quota_reserved + ? WHERE id IN (${marks(ids.length)})`, [n, ...ids]);
  }
}

type Completion = { id: string; result: CompletedResult; registeredNameCiphertext: string | null };

const COMPLETED_COLUMNS: ReadonlyArray<[string, (c: Completion) => Binding]> = [
  ['account_status', ({ result: r }) => r.accountStatus],
  ['status_reason', ({ result: r }) => r.statusReason],
  // The holder name is stored only sealed for this row (personal-fields.ts), a reused one included.
  ['registered_name_ciphertext', (c) => c.registeredNameCiphertext],
  ['name_match_score', ({ result: r }) => r.nameMatchScore],
  ['name_match_result', ({ result: r }) => r.nameMatchResult],
  ['name_match_reasons', ({ result: r }) => JSON.stringify(r.nameMatchReasons)],
  ['name_match_flags', ({ result: r }) => JSON.stringify(r.nameMatchFlags)],
  ['partner', ({ result: r }) => r.partner],
  ['partner_reference', ({ result: r }) => r.partnerReference],
  ['verified_at', ({ result: r }) => r.verifiedAt],
  ['cached', ({ result: r }) => r.reusedFrom !== null],
  ['reused_from', ({ result: r }) => r.reusedFrom],
];

/**
 * markCompleted for many rows in one UPDATE: each column takes its row's value through `CASE id`
 * (portable to MySQL 8 and MariaDB, and the comparison is on the column, so its collation decides).
 */
export async function markCompletedMany(trx: Trx, cipher: FieldCipher, rows: ReadonlyArray<{ id: string; result: CompletedResult }>, now: Date): Promise<void> {
  if (rows.length === 0) return;
  const completions = rows.map((r) => ({ ...r, registeredNameCiphertext: sealRegisteredName(cipher, r.id, r.result.registeredName) }));
  const whens = rows.map(() => 'WHEN ? THEN ?').join(' ');
  const bindings: Binding[] = [];
  const sets = COMPLETED_COLUMNS.map(([column, value]) => {
    for (const c of completions) bindings.push(c.id, value(c));
    return `${column} = CASE id ${whens} END`;
  });
  bindings.push(now, now, ...rows.map((r) => r.id));
  await trx.raw(
    `UPDATE validations SET status = 'completed', ${sets.join(', ')}, registered_name = NULL,
       partner_followup = NULL, partner_hold_until = NULL, failure_code = NULL, failure_message = NULL, completed_at = ?, updated_at = ?
     WHERE id IN (${marks(rows.length)})`,
    bindings,
  );
}

export interface PartnerAnswerRow { tenantId: string; livemode: boolean; blindIndex: string; validationId: string; verifiedAt: Date }

/**
 * recordPartnerAnswer for many payees in one INSERT, in primary-key order so concurrent groups lock
 * the index entries in the same order. Only a newer answer moves a pointer, whatever order workers
 * commit in; of two answers for one payee in a group the newer wins the same way.
 */
export async function recordPartnerAnswers(trx: Trx, answers: readonly PartnerAnswerRow[]): Promise<void> {
  if (answers.length === 0) return;
  const key = (a: PartnerAnswerRow) => `${a.blindIndex}:${a.livemode ? 1 : 0}`;
  const sorted = [...answers].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  await trx.raw(
    `INSERT INTO partner_answers (account_blind_index, livemode, tenant_id, validation_id, verified_at) VALUES ${sorted.map(() => '(?, ?, ?, ?, ?)').join(', ')}
     ON DUPLICATE KEY UPDATE
       validation_id = IF(VALUES(verified_at) >= verified_at, VALUES(validation_id), validation_id),
       verified_at = GREATEST(verified_at, VALUES(verified_at))`,
    sorted.flatMap((a) => [a.blindIndex, a.livemode, a.tenantId, a.validationId, a.verifiedAt]),
  );
}

export interface StoredAnswer { tenantId: string; livemode: boolean; validationId: string; verifiedAt: Date }

/** The answer pointers of these payees (any tenant or mode: the caller checks the scope), by `blindIndex:mode`. */
export async function findPartnerAnswers(trx: Trx, blindIndexes: readonly string[]): Promise<Map<string, StoredAnswer>> {
  if (blindIndexes.length === 0) return new Map();
  const unique = [...new Set(blindIndexes)];
  const rows = await rowsOf(
    trx,
    `SELECT account_blind_index, livemode, tenant_id, validation_id, verified_at FROM partner_answers WHERE account_blind_index IN (${marks(unique.length)})`,
    unique,
  );
  return new Map(
    rows.map((r) => [
      answerKey(r.account_blind_index as string, Boolean(r.livemode)),
      { tenantId: r.tenant_id as string, livemode: Boolean(r.livemode), validationId: r.validation_id as string, verifiedAt: r.verified_at as Date },
    ]),
  );
}

export const answerKey = (blindIndex: string, livemode: boolean): string => `${blindIndex}:${livemode ? 'live' : 'test'}`;
