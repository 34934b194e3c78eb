import { dateOrNull, type Db, type Trx } from '../platform/db.js';

/**
 * Records that a partner's rate limit held this unfinished validation back, unless one already had,
 * and returns since when it has been held back (the first time counts). Only validations that meet a
 * 429 pay for these two statements.
 */
export async function markRateLimited(db: Db | Trx, id: string, now = new Date()): Promise<Date | null> {
  await db('validations').where({ id }).whereNull('rate_limited_since').whereIn('status', ['queued', 'processing']).update({ rate_limited_since: now });
  const row = (await db('validations').where({ id }).first('rate_limited_since')) as { rate_limited_since: unknown } | undefined;
  return row ? dateOrNull(row.rate_limited_since) : null;
}
