// SQL for console sessions. A session is found by its token's hash; the token is only in the cookie.
import type { Db, Trx } from '../platform/db.js';

export type SessionStage = 'password' | 'active';

export interface SessionRecord {
  id: string;
  userId: string;
  tenantId: string;
  stage: SessionStage;
  livemode: boolean;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

type Row = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const toSession = (r: Row): SessionRecord => ({
  id: r.id,
  userId: r.user_id,
  tenantId: r.tenant_id,
  stage: r.stage,
  livemode: !!r.livemode,
  createdAt: r.created_at,
  lastSeenAt: r.last_seen_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
});

export async function insertSession(db: Db | Trx, s: Omit<SessionRecord, 'revokedAt'> & { tokenHash: string }): Promise<void> {
  await db('user_sessions').insert({
    token_hash: s.tokenHash, id: s.id, user_id: s.userId, tenant_id: s.tenantId, stage: s.stage, livemode: s.livemode,
    created_at: s.createdAt, last_seen_at: s.lastSeenAt, expires_at: s.expiresAt,
  });
}

export async function findSession(db: Db | Trx, tokenHash: string): Promise<SessionRecord | undefined> {
  const row = await db('user_sessions').where({ token_hash: tokenHash }).first();
  return row ? toSession(row) : undefined;
}

export async function updateSession(db: Db | Trx, tokenHash: string, patch: Row): Promise<number> {
  return db('user_sessions').where({ token_hash: tokenHash }).whereNull('revoked_at').update(patch);
}

/**
 * Revokes every open session of a user (logout everywhere, removal, password or role change), but for
 * `exceptTokenHash` when given (the session making a password change keeps going).
 */
export async function revokeUserSessions(db: Db | Trx, userId: string, now: Date, exceptTokenHash?: string): Promise<number> {
  const q = db('user_sessions').where({ user_id: userId }).whereNull('revoked_at');
  if (exceptTokenHash !== undefined) q.whereNot({ token_hash: exceptTokenHash });
  return q.update({ revoked_at: now });
}

/** Sessions past their absolute expiry (`before` is usually a day ago; revoked ones too, once expired) are deleted in bounded batches. */
export async function deleteDeadSessions(db: Db, before: Date, limit = 1000): Promise<number> {
  const ids = await db('user_sessions').where('expires_at', '<', before).limit(limit).pluck('token_hash');
  if (ids.length === 0) return 0;
  return db('user_sessions').whereIn('token_hash', ids).delete();
}
