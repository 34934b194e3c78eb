import type { Logger } from '../platform/logger.js';
import { withTransaction, type Db, type Trx } from '../platform/db.js';
import type { FieldCipher } from '../platform/field-cipher.js';
import type { GuardedPartner } from '../partners/partner-breaker.js';
import type { PartnerRequest } from '../partners/partner-types.js';
import {
  PartnerAuthError,
  PartnerCircuitOpenError,
  PartnerRateLimitedError,
  PartnerRejectedError,
  PartnerTransientError,
} from '../partners/partner-errors.js';
import { matchNames } from '../name-match/simple-name-match.js';
import { lockValidation, markCompleted, markFailed, markProcessing } from './validation-store.js';
import { isFinal, type Validation, type ValidationStatus } from './validation-types.js';
import { accountAad } from './new-validation.js';
import type { CompletionPublisher } from './completion-notifier.js';

export type ProcessOutcome = 'completed' | 'failed' | 'skipped';

/** Thrown when the partner call should be retried later (BullMQ backoff owns the schedule). */
export class RetryableValidationError extends Error {
  constructor(readonly code: string, message: string, readonly retryAfterMs?: number) {
    super(message);
    this.name = 'RetryableValidationError';
  }
}

/** Failure texts shown to clients: fixed sentences, never a partner's raw answer. */
const FAILURE_MESSAGES: Record<string, string> = {
  'partner.timeout': 'The bank partner did not answer in time, on every attempt.',
  'partner.unavailable': 'The bank partner was unavailable on every attempt.',
  'partner.bad_response': 'The bank partner answered with something payval could not read, on every attempt.',
  'partner.rate_limited': 'The bank partner kept rate-limiting payval, on every attempt.',
  'partner.circuit_open': 'The bank partner was failing and payval stopped calling it; retry later.',
  'partner.auth_failed': 'payval could not authenticate with the bank partner.',
  'partner.rejected': 'The bank partner refused the request.',
  'validation.attempts_exhausted': 'The validation could not be completed after the maximum number of attempts.',
  'internal.error': 'The validation could not be completed.',
};

/**
 * Called inside the transaction that changes a validation's status, so whatever it keeps (batch row
 * counts) changes atomically with the row.
 */
export type StatusChangeHook = (trx: Trx, v: Validation, from: ValidationStatus, to: ValidationStatus) => Promise<void>;

export interface ProcessorDeps {
  db: Db;
  onStatusChange?: StatusChangeHook;
  cipher: FieldCipher;
  partner: GuardedPartner;
  publisher: CompletionPublisher;
  logger: Logger;
  maxTotalAttempts: number;
}

export function createValidationProcessor(deps: ProcessorDeps) {
  const { db, cipher, partner, logger } = deps;
  const changed: StatusChangeHook = deps.onStatusChange ?? (async () => undefined);
  // Only single validations can be waited on (`?wait=`); a million-row batch need not publish a million messages.
  const notifyWaiters = (row: Validation) => (row.batchId ? Promise.resolve() : deps.publisher.published(row.id));

  async function fail(id: string, code: string, partnerName: string | null): Promise<ProcessOutcome> {
    const failed = await withTransaction(db, async (trx) => {
      const row = await lockValidation(trx, id);
      if (!row || isFinal(row.status)) return null;
      await markFailed(trx, id, { code, message: FAILURE_MESSAGES[code] ?? FAILURE_MESSAGES['internal.error']!, partner: partnerName });
      await changed(trx, row, row.status, 'failed');
      return row;
    });
    if (!failed) return 'skipped';
    await notifyWaiters(failed);
    return 'failed';
  }

  /** Claims the row (queued|processing → processing, attempts+1) under a short row lock. */
  async function claim(id: string): Promise<Validation | 'final' | 'missing' | 'exhausted'> {
    return withTransaction(db, async (trx) => {
      const row = await lockValidation(trx, id);
      if (!row) return 'missing';
      if (isFinal(row.status)) return 'final';
      if (row.attempts >= deps.maxTotalAttempts) return 'exhausted';
      await markProcessing(trx, id);
      await changed(trx, row, row.status, 'processing');
      return { ...row, status: 'processing', attempts: row.attempts + 1 };
    });
  }

  function partnerRequest(v: Validation): PartnerRequest {
    if (v.type === 'vpa') return { reference: v.id, rail: v.rail, type: 'vpa', vpa: v.vpa! };
    return {
      reference: v.id,
      rail: v.rail,
      type: 'bank_account',
      accountNumber: cipher.decrypt(v.accountCiphertext!, accountAad(v.id)),
      ifsc: v.ifsc!,
    };
  }

  /**
   * One attempt. Idempotent: a job delivered twice finds the row final and does nothing. The partner is
   * called outside any transaction so no row lock is held across the network.
   * `finalAttempt` tells whether a transient failure should fail the row now or be retried.
   */
  async function process(id: string, ctx: { finalAttempt: boolean }): Promise<ProcessOutcome> {
    const claimed = await claim(id);
    if (claimed === 'missing') {
      logger.warn({ validationId: id }, 'job for a validation that does not exist');
      return 'skipped';
    }
    if (claimed === 'final') return 'skipped';
    if (claimed === 'exhausted') return fail(id, 'validation.attempts_exhausted', null);

    let result;
    try {
      result = await partner.verify(partnerRequest(claimed));
    } catch (err) {
      const retryable =
        err instanceof PartnerTransientError ||
        err instanceof PartnerCircuitOpenError ||
        err instanceof PartnerRateLimitedError ||
        err instanceof PartnerAuthError;
      if (err instanceof PartnerRejectedError) return fail(id, err.code, partner.name);
      // Unknown failure (a bug, MySQL gone): let BullMQ retry it; the sweeper backs that up.
      if (!retryable) throw err;
      const code = (err as { code: string }).code;
      logger.info({ validationId: id, code, attempt: claimed.attempts, finalAttempt: ctx.finalAttempt }, 'partner call failed');
      if (ctx.finalAttempt) return fail(id, code, partner.name);
      throw new RetryableValidationError(code, `partner call failed: ${code}`, err instanceof PartnerRateLimitedError ? err.retryAfterMs : undefined);
    }

    const nameMatch = matchNames(claimed.expectedName, result.registeredName);
    const completed = await withTransaction(db, async (trx) => {
      const row = await lockValidation(trx, id);
      if (!row || isFinal(row.status)) return null;
      await markCompleted(trx, id, {
        accountStatus: result.accountStatus,
        registeredName: result.registeredName,
        nameMatchScore: nameMatch.score,
        nameMatchResult: nameMatch.result,
        partner: partner.name,
        partnerReference: result.partnerReference,
      });
      await changed(trx, row, row.status, 'completed');
      return row;
    });
    if (!completed) return 'skipped';
    await notifyWaiters(completed);
    return 'completed';
  }

  return { process };
}

export type ValidationProcessor = ReturnType<typeof createValidationProcessor>;
