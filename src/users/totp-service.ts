// A member's own second factor: enrolment (after the password again) and turning it off (with a
// current code). Every guess goes through the sign-in throttle and every failure is audited, so a
// stolen session cannot brute-force its way to adding or removing a second factor.
import type { Db } from '../platform/db.js';
import type { FieldCipher } from '../platform/field-cipher.js';
import { AppError } from '../platform/app-error.js';
import { appendAudit } from '../platform/audit-store.js';
import { checkTotp, newTotpSecret, totpUri, verifyPassword } from './credentials.js';
import type { SignInThrottle } from './sign-in-throttle.js';
import { totpAad, userActor } from './session-service.js';
import { findUser, TOTP_OFF, updateUser, type User } from './user-store.js';

export function createTotpService(deps: { db: Db; cipher: FieldCipher; throttle: SignInThrottle }) {
  const { db, cipher, throttle } = deps;

  const audit = (user: User, action: string, requestId: string) =>
    appendAudit(db, { tenantId: user.tenantId, actor: userActor(user.id), action, targetType: 'user', targetId: user.id, requestId });

  /** One throttled guess: `attempt` answers whether it was right; a wrong one is audited as `failed`. */
  async function guess(user: User, address: string, requestId: string, failed: string, attempt: (fresh: User) => Promise<boolean>, wrong: AppError): Promise<User> {
    await throttle.check(user.email, address);
    const fresh = await findUser(db, user.tenantId, user.id);
    if (!fresh || !(await attempt(fresh))) {
      await audit(user, failed, requestId);
      throw wrong;
    }
    await throttle.succeed(user.email, address, false);
    return fresh;
  }

  const secretOf = (u: User) => cipher.decrypt(u.totpCiphertext!, totpAad(u.id));

  return {
    /** A new secret, kept encrypted and not yet required; the password is asked again first. */
    async begin(user: User, password: string, address: string, requestId: string): Promise<{ secret: string; uri: string }> {
      if (user.totpEnabled) throw new AppError('console.invalid_input', 'Two-step sign-in is already on.');
      await guess(user, address, requestId, 'user.password_check_failed', (u) => verifyPassword(u.passwordHash, password), new AppError('console.sign_in_failed', 'The password is not right.'));
      const secret = newTotpSecret();
      await updateUser(db, user.tenantId, user.id, { totp_ciphertext: cipher.encrypt(secret, totpAad(user.id)), totp_enabled: false, totp_last_step: null });
      return { secret, uri: totpUri(secret, user.email) };
    },

    /** The first valid code turns TOTP on. */
    async confirm(user: User, code: string, address: string, requestId: string): Promise<void> {
      let step: number | null = null;
      await guess(user, address, requestId, 'user.totp_failed', async (u) => {
        if (!u.totpCiphertext || u.totpEnabled) throw new AppError('console.invalid_input', 'Start the set-up again.');
        step = await checkTotp(secretOf(u), code.trim(), null);
        return step !== null;
      }, new AppError('console.totp_failed', 'That code is not right; check the time on your device.'));
      await updateUser(db, user.tenantId, user.id, { totp_enabled: true, totp_last_step: step });
      await audit(user, 'user.totp_enabled', requestId);
    },

    /** Needs a current, unused code: a stolen session alone cannot remove the second factor. */
    async disable(user: User, code: string, address: string, requestId: string): Promise<void> {
      const fresh = await findUser(db, user.tenantId, user.id);
      if (!fresh?.totpEnabled || !fresh.totpCiphertext) throw new AppError('console.invalid_input', 'Two-step sign-in is already off.');
      await guess(user, address, requestId, 'user.totp_failed', async (u) => u.totpEnabled && !!u.totpCiphertext && (await checkTotp(secretOf(u), code.trim(), u.totpLastStep)) !== null,
        new AppError('console.totp_failed', 'That code is not right or was already used.'));
      await updateUser(db, user.tenantId, user.id, TOTP_OFF);
      await audit(user, 'user.totp_disabled', requestId);
    },
  };
}

export type TotpService = ReturnType<typeof createTotpService>;
