// How long personal data is kept (pure). A tenant's retention is bounded below by the longest any
// stored answer may be reused (MaxAge, 30 days) and the idempotency TTL (at most 30 days), so purging
// never takes away an answer a client may still be served or a response a retry may still replay.

import { idAtTime } from '../platform/ids.js';

export const RETENTION_MIN_DAYS = 31;
export const RETENTION_MAX_DAYS = 3650;
const DAY_MS = 86_400_000;

export const isRetentionDays = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= RETENTION_MIN_DAYS && v <= RETENTION_MAX_DAYS;

/** Objects created before this instant are past retention. */
export const retentionCutoff = (now: Date, days: number): Date => new Date(now.getTime() - days * DAY_MS);

/**
 * The id bound of the objects past retention: ids are time-ordered (ids.ts), so `id < bound` holds
 * exactly for objects created before the cutoff, and the purge walks an (…, id) index range.
 */
export const retentionBound = (prefix: 'val' | 'bat', now: Date, days: number): string => idAtTime(prefix, retentionCutoff(now, days));
