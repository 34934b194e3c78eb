// A member's password after sign-up: changing one's own (the current password first, throttled and
// audited; every other session ends) and the operator's break-glass resets from the CLI (a new
// password, or two-step sign-in turned off, for someone locked out).
import type { Db } from '../platform/db.js';
import { AppError } from '../platform/app-error.js';
import { appendAudit } from '../platform/audit-store.js';
import { hashPassword, passwordProblem, tokenHash, verifyPassword } from './credentials.js';
import type { SignInThrottle } from './sign-in-throttle.js';
import { userActor } from './session-service.js';
import { revokeUserSessions } from './session-store.js';
import { findUser, findUserByEmail, TOTP_OFF, updateUser, type User } from './user-store.js';

export function createPasswordService(deps: { db: Db; throttle: SignInThrottle }) {
  const { db, throttle } = deps;

  return {
    async change(user: User, current: string, next: string, ctx: { address: string; sessionToken: string; requestId: string }): Promise<void> {
      await throttle.check(user.email, ctx.address);
      const fresh = await findUser(db, user.tenantId, user.id);
      if (!fresh || !(await verifyPassword(fresh.passwordHash, current))) {
        await appendAudit(db, { tenantId: user.tenantId, actor: userActor(user.id), action: 'user.password_check_failed', targetType: 'user', targetId: user.id, requestId: ctx.requestId });
        throw new AppError('console.sign_in_failed', 'The current password is not right.');
      }
      await throttle.succeed(user.email, ctx.address, false);
      const problem = passwordProblem(next, user.email);
      if (problem) throw new AppError('console.invalid_input', problem);
      if (next === current) throw new AppError('console.invalid_input', 'The new password must differ from the current one.');
      await updateUser(db, user.tenantId, user.id, { password_hash: await hashPassword(next) });
      const ended = await revokeUserSessions(db, user.id, new Date(), tokenHash(ctx.sessionToken));
      await appendAudit(db, { tenantId: user.tenantId, actor: userActor(user.id), action: 'user.password_changed', targetType: 'user', targetId: user.id, requestId: ctx.requestId, details: { other_sessions_ended: ended } });
    },

    /** `payval users reset-password`: a new password, every session ended. */
    async reset(email: string, next: string, actor = 'cli'): Promise<User> {
      const user = await findUserByEmail(db, email);
      if (!user || user.status !== 'active') throw new AppError('user.not_found', `No active user ${email}.`);
      const problem = passwordProblem(next, user.email);
      if (problem) throw new AppError('console.invalid_input', problem);
      await updateUser(db, user.tenantId, user.id, { password_hash: await hashPassword(next) });
      const ended = await revokeUserSessions(db, user.id, new Date());
      await appendAudit(db, { tenantId: user.tenantId, actor, action: 'user.password_reset', targetType: 'user', targetId: user.id, details: { sessions_ended: ended } });
      return user;
    },

    /** `payval users reset-totp`: two-step sign-in off (the user sets it up again), every session ended. */
    async resetTotp(email: string, actor = 'cli'): Promise<User> {
      const user = await findUserByEmail(db, email);
      if (!user || user.status !== 'active') throw new AppError('user.not_found', `No active user ${email}.`);
      await updateUser(db, user.tenantId, user.id, TOTP_OFF);
      const ended = await revokeUserSessions(db, user.id, new Date());
      await appendAudit(db, { tenantId: user.tenantId, actor, action: 'user.totp_reset', targetType: 'user', targetId: user.id, details: { sessions_ended: ended } });
      return user;
    },
  };
}

export type PasswordService = ReturnType<typeof createPasswordService>;
