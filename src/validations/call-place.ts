// The step between a claim and the partner call (docs/decisions/0028-claim-ahead.md): an attempt that
// claimed its row ahead waits here for one of the process's call places. A claim's lease
// (attemptLeaseMs) bounds one attempt from the moment of its claim, and the lease's margin over the
// longest call is what absorbs the wait. So an attempt that waited longer than `renewAfterMs` moves its
// lease to now before it calls, and calls only if the row is still its own. The stamp is taken before
// the UPDATE, which may itself wait for a pooled connection or a row lock: the check is repeated on the
// new stamp, and an attempt that cannot get a fresh enough lease in a few tries gives the row back.

import type { Db } from '../platform/db.js';
import type { AttemptPlaces } from '../platform/row-limiter.js';
import type { Claim } from './validation-steps.js';
import { renewAttempt } from './validation-store.js';

export type ClaimedRow = Extract<Claim, { kind: 'claimed' }>;

export type CallPlaceOutcome =
  | { kind: 'ready'; claimed: ClaimedRow }
  /** No call now: the row was taken by another attempt, the worker is stopping, or no fresh lease. */
  | { kind: 'give_up'; claimed: ClaimedRow; why: 'taken' | 'stopping' | 'slow_renewal' };

const MAX_RENEWALS = 3;

export async function takeCallPlace(
  db: Db,
  renewAfterMs: number,
  claimed: ClaimedRow,
  places: AttemptPlaces | undefined,
  stopping: () => boolean,
): Promise<CallPlaceOutcome> {
  if (!places) return { kind: 'ready', claimed };
  await places.toCall();
  let current = claimed;
  for (let renewals = 0; ; renewals++) {
    // A stopping worker hands a row it has not called for back to the queue instead of calling now.
    if (stopping()) return { kind: 'give_up', claimed: current, why: 'stopping' };
    const now = new Date();
    if (now.getTime() - current.claimedAt.getTime() <= renewAfterMs) return { kind: 'ready', claimed: current };
    if (renewals === MAX_RENEWALS) return { kind: 'give_up', claimed: current, why: 'slow_renewal' };
    if (!(await renewAttempt(db, current.row.id, current.claimedAt, now))) return { kind: 'give_up', claimed: current, why: 'taken' };
    current = { ...current, claimedAt: now, row: { ...current.row, processingStartedAt: now } };
  }
}
