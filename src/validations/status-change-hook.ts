import type { Defer, Trx } from '../platform/db.js';
import type { Validation, ValidationStatus } from './validation-types.js';

/**
 * Called inside the transaction that changes a validation's status, so whatever it keeps (batch row
 * counts, webhook events) changes atomically with the row.
 */
export type StatusChangeHook = (trx: Trx, v: Validation, from: ValidationStatus, to: ValidationStatus, defer: Defer) => Promise<void>;

/** Runs several hooks in order, in the same transaction. */
export function combineHooks(...hooks: StatusChangeHook[]): StatusChangeHook {
  return async (trx, v, from, to, defer) => {
    for (const hook of hooks) await hook(trx, v, from, to, defer);
  };
}
