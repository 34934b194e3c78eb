import type { Logger } from '../platform/logger.js';
import type { Db } from '../platform/db.js';
import { appendAudits, type AuditEntry } from '../platform/audit-store.js';
import { createGroupCommit, type GroupCommit } from '../platform/group-commit.js';
import type { IdempotencyStore, NewReservation, StoredResponse } from '../platform/idempotency.js';
import type { ModeScope } from '../platform/mode-scope.js';
import { enqueueValidations, type ValidationQueue } from '../platform/queues.js';
import { insertValidations, type NewValidation } from './validation-store.js';

/** One accepted single validation, ready to be written: its row, its audit entry, its idempotent answer. */
export interface AcceptedValidation {
  validation: NewValidation;
  createdAt: Date;
  audit: AuditEntry;
  /** Recorded in the same transaction, only while `reservation` still holds the key (else the item fails). */
  idempotency?: { scope: ModeScope; key: string; reservation: NewReservation; response: StoredResponse };
}

export interface ValidationWriterDeps {
  db: Db;
  queue: ValidationQueue;
  idempotency: IdempotencyStore;
  logger: Logger;
  maxItems: number;
  maxInFlight: number;
}

/**
 * Writes single validations with group commit (platform/group-commit.ts): the requests that arrive
 * together share one transaction — one multi-row INSERT of rows, one of audit entries — and one
 * `addBulk` of their jobs after it commits. Each request is answered only after its own row committed.
 */
export function createValidationWriter(deps: ValidationWriterDeps): GroupCommit<AcceptedValidation> {
  const { idempotency, logger } = deps;
  return createGroupCommit<AcceptedValidation>({
    db: deps.db,
    maxItems: deps.maxItems,
    maxInFlight: deps.maxInFlight,
    async write(trx, items) {
      await insertValidations(trx, items);
      await appendAudits(
        trx,
        items.map((i) => i.audit),
      );
      for (const i of items) {
        const idem = i.idempotency;
        // Throws if a retry took the key over while this request stalled: the group rolls back and
        // each request is written alone, so only that one fails (one key, one validation).
        if (idem) await idempotency.complete(trx, idem.scope, idem.key, idem.response, i.validation.id, { reservation: idem.reservation });
      }
    },
    async afterCommit(items) {
      try {
        await enqueueValidations(
          deps.queue,
          items.map((i) => i.validation.id),
        );
      } catch (err) {
        // The rows are committed; the sweeper enqueues them once Redis is back. The clients still get their 202.
        logger.warn({ err, validations: items.length }, 'enqueue failed; the sweeper will retry it');
      }
    },
  });
}

export type ValidationWriter = GroupCommit<AcceptedValidation>;
