import type { Logger } from '../platform/logger.js';
import { withTransaction, type Db } from '../platform/db.js';
import type { FieldCipher } from '../platform/field-cipher.js';
import type { IdempotencyStore, StoredResponse } from '../platform/idempotency.js';
import type { AuthContext } from '../platform/http-context.js';
import { scopeOf, type ModeScope } from '../platform/mode-scope.js';
import { AppError } from '../platform/app-error.js';
import { idAtTime } from '../platform/ids.js';
import { decodeIdCursor, toPage } from '../platform/pagination.js';
import { newId } from '../platform/ids.js';
import { precheckPayee, type PayeeInput } from './payee-precheck.js';
import { findValidation, listValidations, newValidationObject } from './validation-store.js';
import { createValidationWriter } from './validation-writer.js';
import type { ValidationQueue } from '../platform/queues.js';
import { buildNewValidation, type BlindIndexer } from './new-validation.js';
import { isFinal, type Validation, type ValidationStatus } from './validation-types.js';
import { toValidationView } from './validation-view.js';
import type { CompletionListener } from './completion-notifier.js';
import type { TenantSettingsStore } from '../tenants/tenant-settings.js';

export interface CreateValidationInput extends PayeeInput {
  reference_id?: string;
  metadata?: Record<string, string>;
  webhook_url?: string;
  /** Seconds; reuse a partner answer for this payee at most this old. 0 forces a fresh call. */
  max_age?: number;
}

/** Checks a one-off webhook_url (SSRF rules, the mode's default secret present) and returns it normalised. */
export type WebhookUrlCheck = (scope: ModeScope, url: string) => Promise<string>;

export interface ServiceDeps {
  db: Db;
  cipher: FieldCipher;
  blindIndex: BlindIndexer;
  idempotency: IdempotencyStore;
  queue: ValidationQueue;
  /** Group commit of accepted validations (validation-writer.ts); defaults suit a pool of 10. */
  groupCommit?: { maxItems: number; maxInFlight: number };
  completions: CompletionListener | null;
  logger: Logger;
  checkWebhookUrl: WebhookUrlCheck;
  settings: TenantSettingsStore;
  /** Refuses new live validations once a spend cap is used up (src/usage/quota-status.ts). */
  quota?: { assertOpen(scope: ModeScope): Promise<void> };
}

export type CreateOutcome = { replayed: true; response: StoredResponse } | { replayed: false; validation: Validation };

export function createValidationService(deps: ServiceDeps) {
  const { db, cipher, blindIndex, idempotency, logger } = deps;
  const writer = createValidationWriter({ db, queue: deps.queue, idempotency, logger, ...(deps.groupCommit ?? { maxItems: 200, maxInFlight: 4 }) });

  /** Offline checks, then a row (the source of truth), then a job carrying only the id (validation-writer.ts). */
  async function create(
    auth: AuthContext,
    input: CreateValidationInput,
    ctx: { requestId: string; idempotency?: { key: string; fingerprint: string } },
  ): Promise<CreateOutcome> {
    const checked = precheckPayee(input);
    if (!checked.ok) {
      throw new AppError(checked.error.code, checked.error.message, { details: { field: checked.error.field } });
    }
    const payee = checked.payee;
    const scope = scopeOf(auth);
    const webhookUrl = input.webhook_url === undefined ? null : await deps.checkWebhookUrl(scope, input.webhook_url);
    const maxAgeSeconds = input.max_age ?? (await deps.settings.get(auth.tenantId)).reuseMaxAgeSeconds;

    const reservation = ctx.idempotency ? await idempotency.reserve(scope, ctx.idempotency.key, ctx.idempotency.fingerprint) : null;
    if (reservation?.kind === 'replay') return { replayed: true, response: reservation.response };
    // After the replay: a request accepted before the cap was reached still gets its answer again.
    await deps.quota?.assertOpen(scope).catch(async (err: unknown) => {
      if (reservation?.kind === 'new') await reservation.release().catch(() => undefined);
      throw err;
    });

    const id = newId('val');
    const row = { ...buildNewValidation(payee, { id, ...scope, referenceId: input.reference_id ?? null, metadata: input.metadata ?? null }, cipher, blindIndex), webhookUrl, maxAgeSeconds };
    const createdAt = new Date();
    const validation = newValidationObject(row, createdAt);
    try {
      await writer.submit({
        validation: row,
        createdAt,
        audit: {
          tenantId: auth.tenantId,
          actor: auth.actor,
          action: 'validation.created',
          targetType: 'validation',
          targetId: id,
          requestId: ctx.requestId,
          details: { type: payee.type, rail: payee.rail },
        },
        ...(ctx.idempotency && reservation?.kind === 'new'
          ? { idempotency: { scope, key: ctx.idempotency.key, reservation, response: { status: 202, body: toValidationView(validation) } } }
          : {}),
      });
    } catch (err) {
      if (reservation?.kind === 'new') await reservation.release().catch(() => undefined);
      throw err;
    }
    return { replayed: false, validation };
  }

  async function get(scope: ModeScope, id: string): Promise<Validation> {
    const v = await findValidation(db, cipher, scope, id);
    if (!v) throw new AppError('validation.not_found', 'No validation with this id exists for this tenant.');
    return v;
  }

  /** Waits up to `seconds` for a final state; returns whatever state the row is in then. */
  async function waitForFinal(scope: ModeScope, id: string, seconds: number): Promise<Validation> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
      const v = await get(scope, id);
      const left = deadline - Date.now();
      if (isFinal(v.status) || left <= 0) return v;
      // The listener wakes us early on completion; the 250 ms cap is the fallback when pub/sub is lost.
      if (deps.completions) await deps.completions.waitFor(id, Math.min(left, 250));
      else await new Promise((r) => setTimeout(r, Math.min(left, 100)));
    }
  }

  /** Newest first. `createdFrom` / `createdTo` bound creation time (inclusive / exclusive) through the id. */
  async function list(q: { scope: ModeScope; status?: ValidationStatus; referenceId?: string; batchId?: string; accountLast4?: string; createdFrom?: Date; createdTo?: Date; cursor?: string; limit: number }) {
    const cursorId = q.cursor ? decodeIdCursor(q.cursor, 'val') : undefined;
    const toId = q.createdTo ? idAtTime('val', q.createdTo) : undefined;
    const beforeId = cursorId !== undefined && toId !== undefined ? (cursorId < toId ? cursorId : toId) : (cursorId ?? toId);
    const fromId = q.createdFrom ? idAtTime('val', q.createdFrom) : undefined;
    const rows = await listValidations(db, cipher, { scope: q.scope, status: q.status, referenceId: q.referenceId, batchId: q.batchId, accountLast4: q.accountLast4, fromId, beforeId, limit: q.limit + 1 });
    return toPage(rows, q.limit, (v) => v.id);
  }

  /**
   * After a `?wait=` request finished, a replay of its Idempotency-Key should return what the client
   * actually received (the final object), not the 202 stored at creation. Best effort.
   */
  async function recordFinalResponse(scope: ModeScope, key: string, status: number, body: { id: string }): Promise<void> {
    await storeFinalAnswer(db, idempotency, scope, key, { status, body }).catch((err: unknown) => {
      logger.warn({ err }, 'could not update the stored idempotent response');
    });
  }

  return { create, get, waitForFinal, list, recordFinalResponse };
}

export type ValidationService = ReturnType<typeof createValidationService>;

/**
 * Stores a `?wait=` request's final answer as its key's replay, unless the validation was purged
 * meanwhile (an erasure can run between the read of the answer and this write). The share lock on the
 * validation waits for a purge in progress, whose own rewrite of the stored answer then stands.
 * False when nothing was stored.
 */
export async function storeFinalAnswer(db: Db, idempotency: IdempotencyStore, scope: ModeScope, key: string, response: { status: number; body: { id: string } }): Promise<boolean> {
  return withTransaction(db, async (trx) => {
    const row = await trx('validations').where({ id: response.body.id, tenant_id: scope.tenantId }).forShare().first('purged_at');
    if (!row || row.purged_at !== null) return false;
    await idempotency.complete(trx, scope, key, response);
    return true;
  });
}
