import type { Defer, Trx } from '../platform/db.js';
import type { Validation, ValidationStatus } from './validation-types.js';

/** One validation's status change, as a grouped transaction hands them to a hook. */
export interface StatusChange {
  v: Validation;
  from: ValidationStatus;
  to: ValidationStatus;
}

/**
 * Called inside the transaction that changes a validation's status, so whatever it keeps (batch row
 * counts, webhook events) changes atomically with the row.
 *
 * `many`, when a hook has it, takes every change of a grouped transaction at once (the worker commits
 * the claims or completions of many jobs together): a hook that keeps a count can then write it once
 * per counter instead of once per row, and in one order (so concurrent groups never deadlock on it).
 * Without it each change is passed on its own, in the group's order.
 */
export type StatusChangeHook = ((trx: Trx, v: Validation, from: ValidationStatus, to: ValidationStatus, defer: Defer) => Promise<void>) & {
  many?: (trx: Trx, changes: readonly StatusChange[], defer: Defer) => Promise<void>;
};

/** Runs `hook` for a group's changes: its `many` form when it has one, else change by change. */
export async function runStatusHook(hook: StatusChangeHook, trx: Trx, changes: readonly StatusChange[], defer: Defer): Promise<void> {
  if (changes.length === 0) return;
  if (hook.many) return hook.many(trx, changes, defer);
  for (const c of changes) await hook(trx, c.v, c.from, c.to, defer);
}

/** Runs several hooks in order, in the same transaction. */
export function combineHooks(...hooks: StatusChangeHook[]): StatusChangeHook {
  const combined: StatusChangeHook = async (trx, v, from, to, defer) => {
    for (const hook of hooks) await hook(trx, v, from, to, defer);
  };
  combined.many = async (trx, changes, defer) => {
    for (const hook of hooks) await runStatusHook(hook, trx, changes, defer);
  };
  return combined;
}
