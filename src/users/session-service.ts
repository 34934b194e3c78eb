// Signing in and out, and what a session cookie is worth on each request. A session lives in MySQL:
// it ends at its idle or absolute expiry, at sign-out, or when its user signs out everywhere, is
// removed or changes role. See docs/decisions/0030-console.md.
import type { Db } from '../platform/db.js';
import type { FieldCipher } from '../platform/field-cipher.js';
import { newId } from '../platform/ids.js';
import { AppError } from '../platform/app-error.js';
import { appendAudit } from '../platform/audit-store.js';
import { checkTotp, decoyHash, newToken, tokenHash, verifyPassword } from './credentials.js';
import type { SignInThrottle } from './sign-in-throttle.js';
import { findUser, findUserByEmail, updateUser, type User } from './user-store.js';
import { deleteDeadSessions, findSession, insertSession, revokeUserSessions, updateSession, type SessionRecord } from './session-store.js';

export interface SessionPolicy { idleMs: number; absoluteMs: number }

export interface SignedIn { token: string; session: SessionRecord; user: User }

/** A session still owed its second factor lives this long. */
const TOTP_STEP_MS = 5 * 60_000;
/** last_seen_at is written at most this often (a page view is not a write), and well within the idle limit. */
const touchEveryMs = (idleMs: number) => Math.min(60_000, Math.floor(idleMs / 4));

export const userActor = (userId: string) => `user:${userId}`;
export const totpAad = (userId: string) => `user-totp:${userId}`;

export function createSessionService(deps: { db: Db; cipher: FieldCipher; throttle: SignInThrottle; policy: SessionPolicy }) {
  const { db, cipher, throttle, policy } = deps;

  async function open(user: User, stage: SessionRecord['stage'], requestId: string): Promise<SignedIn> {
    const { token, hash } = newToken();
    const now = new Date();
    const session: SessionRecord = {
      id: newId('ses'), userId: user.id, tenantId: user.tenantId, stage, livemode: false,
      createdAt: now, lastSeenAt: now, revokedAt: null,
      expiresAt: new Date(now.getTime() + (stage === 'password' ? TOTP_STEP_MS : policy.absoluteMs)),
    };
    await db.transaction(async (trx) => {
      await insertSession(trx, { ...session, tokenHash: hash });
      if (stage === 'active') {
        await updateUser(trx, user.tenantId, user.id, { last_sign_in_at: now });
        await appendAudit(trx, { tenantId: user.tenantId, actor: userActor(user.id), action: 'user.signed_in', targetType: 'session', targetId: session.id, requestId });
      }
    });
    return { token, session, user };
  }

  return {
    /** Password step. With TOTP on, the session it opens only admits the code. */
    async signIn(email: string, password: string, address: string, requestId: string): Promise<SignedIn> {
      await throttle.check(email, address);
      const user = await findUserByEmail(db, email);
      // Unknown addresses verify against a decoy so both failures take as long and read the same.
      const ok = await verifyPassword(user?.passwordHash ?? (await decoyHash()), password);
      if (!user || !ok || user.status !== 'active' || !user.tenantActive) {
        if (user) await appendAudit(db, { tenantId: user.tenantId, actor: userActor(user.id), action: 'user.sign_in_failed', targetType: 'user', targetId: user.id, requestId });
        throw new AppError('console.sign_in_failed', 'The e-mail address or password is not right.');
      }
      if (user.totpEnabled) {
        await throttle.succeed(email, address, false);
        return open(user, 'password', requestId);
      }
      await throttle.succeed(email, address, true);
      void deleteDeadSessions(db, new Date(Date.now() - 86_400_000), 200).catch(() => undefined);
      return open(user, 'active', requestId);
    },

    /** Second step: a valid, unused code turns the half-open session into a full one (a new token). */
    async completeTotp(token: string, code: string, address: string, requestId: string): Promise<SignedIn> {
      const half = await findSession(db, tokenHash(token));
      if (!half || half.stage !== 'password' || half.revokedAt || half.expiresAt <= new Date()) {
        throw new AppError('console.sign_in_required', 'Sign in again.');
      }
      const user = await findUser(db, half.tenantId, half.userId);
      if (!user || user.status !== 'active' || !user.tenantActive || !user.totpEnabled || !user.totpCiphertext) throw new AppError('console.sign_in_required', 'Sign in again.');
      await throttle.check(user.email, address);
      const secret = cipher.decrypt(user.totpCiphertext, totpAad(user.id));
      const step = await checkTotp(secret, code.trim(), user.totpLastStep);
      if (step === null) {
        await appendAudit(db, { tenantId: user.tenantId, actor: userActor(user.id), action: 'user.totp_failed', targetType: 'user', targetId: user.id, requestId });
        throw new AppError('console.totp_failed', 'That code is not right or was already used.');
      }
      // The step is claimed with a compare-and-set, so two requests with one code cannot both pass.
      const claimed = await db('users').where({ id: user.id }).where((q) => q.whereNull('totp_last_step').orWhere('totp_last_step', '<', step)).update({ totp_last_step: step });
      if (claimed === 0) throw new AppError('console.totp_failed', 'That code is not right or was already used.');
      await updateSession(db, tokenHash(token), { revoked_at: new Date() });
      await throttle.succeed(user.email, address, true);
      return open(user, 'active', requestId);
    },

    /**
     * The session and user behind a cookie, or null if it is unknown, revoked, past its idle or
     * absolute expiry, or its user is gone. `stage` 'password' sessions are returned as such.
     */
    /**
     * `background`: a request no person made (a progress poll). It is answered but does not count as
     * activity, so an unattended tab still reaches its idle expiry.
     */
    async resolve(token: string, opts: { background?: boolean } = {}): Promise<{ session: SessionRecord; user: User } | null> {
      const hash = tokenHash(token);
      const session = await findSession(db, hash);
      const now = Date.now();
      if (!session || session.revokedAt || session.expiresAt.getTime() <= now) return null;
      if (session.stage === 'active' && now - session.lastSeenAt.getTime() > policy.idleMs) return null;
      const user = await findUser(db, session.tenantId, session.userId);
      // A removed user or a disabled organisation: every session ends at once.
      if (!user || user.status !== 'active' || !user.tenantActive) return null;
      if (session.stage === 'active' && !opts.background && now - session.lastSeenAt.getTime() > touchEveryMs(policy.idleMs)) {
        await updateSession(db, hash, { last_seen_at: new Date(now) });
      }
      return { session, user };
    },

    async setLivemode(token: string, livemode: boolean): Promise<void> {
      await updateSession(db, tokenHash(token), { livemode });
    },

    async signOut(token: string, session: SessionRecord, requestId: string): Promise<void> {
      await updateSession(db, tokenHash(token), { revoked_at: new Date() });
      await appendAudit(db, { tenantId: session.tenantId, actor: userActor(session.userId), action: 'user.signed_out', targetType: 'session', targetId: session.id, requestId });
    },

    async signOutEverywhere(user: User, requestId: string): Promise<number> {
      const n = await revokeUserSessions(db, user.id, new Date());
      await appendAudit(db, { tenantId: user.tenantId, actor: userActor(user.id), action: 'user.signed_out_everywhere', targetType: 'user', targetId: user.id, requestId, details: { sessions: n } });
      return n;
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
