// Members of an organisation: the first owner (CLI), invitations, role changes, removal, and a
// member's own second factor. Every change is audited with the acting user (or `cli`) as actor; rules
// about who may do what come from roles.ts.
import type { Db, Trx } from '../platform/db.js';
import type { FieldCipher } from '../platform/field-cipher.js';
import { newId } from '../platform/ids.js';
import { AppError } from '../platform/app-error.js';
import { appendAudit } from '../platform/audit-store.js';
import { isDuplicateKey } from '../platform/db-errors.js';
import { findTenant } from '../tenants/tenant-store.js';
import { canManageMember, type Role } from './roles.js';
import { checkTotp, hashPassword, newToken, newTotpSecret, passwordProblem, tokenHash, totpUri } from './credentials.js';
import { revokeUserSessions } from './session-store.js';
import { totpAad, userActor } from './session-service.js';
import {
  findInvitationByToken, findUser, findUserByEmail, insertInvitation, insertUser, listOpenInvitations, listUsers, lockOwners,
  markInvitation, normaliseEmail, updateUser, type User,
} from './user-store.js';

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,189}\.[^\s@]{2,}$/;

function checkMember(email: string, name: string, password: string): void {
  if (!EMAIL.test(email) || email.length > 254) throw new AppError('console.invalid_input', 'Enter a valid e-mail address.');
  if (name.trim().length === 0 || name.length > 200) throw new AppError('console.invalid_input', 'Enter a name of 1 to 200 characters.');
  const problem = passwordProblem(password, email);
  if (problem) throw new AppError('console.invalid_input', problem);
}

const invalidInvitation = () => new AppError('console.invitation_invalid', 'This invitation link is not valid: it was used, revoked or has expired.');

export function createTeamService(deps: { db: Db; cipher: FieldCipher; invitationMs: number }) {
  const { db, cipher } = deps;

  async function addUser(trx: Trx, tenantId: string, input: { email: string; name: string; password: string; role: Role }): Promise<User> {
    const email = normaliseEmail(input.email);
    checkMember(email, input.name, input.password);
    const id = newId('usr');
    try {
      await insertUser(trx, { id, tenantId, email, name: input.name.trim(), role: input.role, passwordHash: await hashPassword(input.password) });
    } catch (err) {
      if (isDuplicateKey(err)) throw new AppError('console.email_taken', 'A user with this e-mail address already exists.');
      throw err;
    }
    return (await findUser(trx, tenantId, id))!;
  }

  /** The acting member, re-read and checked against what they ask to do to `target`. */
  async function guard(trx: Trx, actor: User, targetId: string, to: Role | null): Promise<User> {
    const target = await findUser(trx, actor.tenantId, targetId, true);
    if (!target || target.status !== 'active') throw new AppError('user.not_found', 'No such user in this organisation.');
    if (!canManageMember(actor.role, target.role, to)) throw new AppError('console.forbidden', 'Your role cannot make this change.');
    if (target.role === 'owner' && to !== 'owner') {
      const owners = await lockOwners(trx, actor.tenantId);
      if (owners.length <= 1) throw new AppError('console.last_owner', 'An organisation keeps at least one owner.');
    }
    return target;
  }

  return {
    /** `payval users create`: any role, usually the first owner. */
    async createUser(tenantId: string, input: { email: string; name: string; password: string; role: Role }, actor = 'cli'): Promise<User> {
      return db.transaction(async (trx) => {
        if (!(await findTenant(trx, tenantId))) throw new AppError('console.invalid_input', `No tenant ${tenantId}.`);
        const user = await addUser(trx, tenantId, input);
        await appendAudit(trx, { tenantId, actor, action: 'user.created', targetType: 'user', targetId: user.id, details: { role: user.role } });
        return user;
      });
    },

    async members(tenantId: string) {
      const [users, invitations] = await Promise.all([listUsers(db, tenantId), listOpenInvitations(db, tenantId, new Date())]);
      return { users, invitations };
    },

    /** An invitation link's token, shown once; only its hash is kept. */
    async invite(actor: User | { tenantId: string; cli: true }, email: string, role: Role, requestId: string | null) {
      const normalised = normaliseEmail(email);
      if (!EMAIL.test(normalised) || normalised.length > 254) throw new AppError('console.invalid_input', 'Enter a valid e-mail address.');
      const by = 'cli' in actor ? 'cli' : userActor(actor.id);
      if (!('cli' in actor) && !canManageMember(actor.role, role, role)) throw new AppError('console.forbidden', 'Your role cannot invite with this role.');
      if ('cli' in actor && !(await findTenant(db, actor.tenantId))) throw new AppError('console.invalid_input', `No tenant ${actor.tenantId}.`);
      if (await findUserByEmail(db, normalised)) throw new AppError('console.email_taken', 'A user with this e-mail address already exists.');
      const { token, hash } = newToken();
      const now = new Date();
      const invitation = { id: newId('inv'), tenantId: actor.tenantId, email: normalised, role, createdBy: by, createdAt: now, expiresAt: new Date(now.getTime() + deps.invitationMs) };
      await db.transaction(async (trx) => {
        await insertInvitation(trx, { ...invitation, tokenHash: hash });
        await appendAudit(trx, { tenantId: actor.tenantId, actor: by, action: 'invitation.created', targetType: 'invitation', targetId: invitation.id, requestId, details: { role } });
      });
      return { invitation, token };
    },

    /** What an invitation link offers, or a 404 if it cannot be used. */
    async openInvitation(token: string) {
      const inv = await findInvitationByToken(db, tokenHash(token));
      if (!inv || inv.acceptedAt || inv.revokedAt || inv.expiresAt <= new Date()) throw invalidInvitation();
      const tenant = await findTenant(db, inv.tenantId);
      return { invitation: inv, organisation: tenant?.name ?? '' };
    },

    async acceptInvitation(token: string, input: { name: string; password: string }, requestId: string): Promise<User> {
      return db.transaction(async (trx) => {
        const inv = await findInvitationByToken(trx, tokenHash(token), true);
        if (!inv || inv.acceptedAt || inv.revokedAt || inv.expiresAt <= new Date()) throw invalidInvitation();
        const user = await addUser(trx, inv.tenantId, { email: inv.email, name: input.name, password: input.password, role: inv.role });
        await markInvitation(trx, inv.tenantId, inv.id, 'accepted_at');
        await appendAudit(trx, { tenantId: inv.tenantId, actor: userActor(user.id), action: 'invitation.accepted', targetType: 'invitation', targetId: inv.id, requestId, details: { role: inv.role, user_id: user.id } });
        return user;
      });
    },

    async revokeInvitation(actor: User, id: string, requestId: string): Promise<void> {
      const n = await markInvitation(db, actor.tenantId, id, 'revoked_at');
      if (n === 0) throw new AppError('console.invitation_invalid', 'No open invitation with this id.');
      await appendAudit(db, { tenantId: actor.tenantId, actor: userActor(actor.id), action: 'invitation.revoked', targetType: 'invitation', targetId: id, requestId });
    },

    /** A new role ends the member's sessions: what they may do changed. */
    async changeRole(actor: User, userId: string, role: Role, requestId: string): Promise<void> {
      await db.transaction(async (trx) => {
        const target = await guard(trx, actor, userId, role);
        if (target.role === role) return;
        await updateUser(trx, actor.tenantId, userId, { role });
        await revokeUserSessions(trx, userId, new Date());
        await appendAudit(trx, { tenantId: actor.tenantId, actor: userActor(actor.id), action: 'user.role_changed', targetType: 'user', targetId: userId, requestId, details: { from: target.role, to: role } });
      });
    },

    async removeUser(actor: User, userId: string, requestId: string): Promise<void> {
      await db.transaction(async (trx) => {
        await guard(trx, actor, userId, null);
        // The row stays (audit entries name it); the address is freed for a later invitation.
        await updateUser(trx, actor.tenantId, userId, { status: 'removed', email: `removed+${userId.toLowerCase()}@invalid` });
        await revokeUserSessions(trx, userId, new Date());
        await appendAudit(trx, { tenantId: actor.tenantId, actor: userActor(actor.id), action: 'user.removed', targetType: 'user', targetId: userId, requestId });
      });
    },

    /** Starts TOTP enrolment: a new secret, kept encrypted and not yet required. */
    async beginTotp(user: User): Promise<{ secret: string; uri: string }> {
      const secret = newTotpSecret();
      await updateUser(db, user.tenantId, user.id, { totp_ciphertext: cipher.encrypt(secret, totpAad(user.id)), totp_enabled: false, totp_last_step: null });
      return { secret, uri: totpUri(secret, user.email) };
    },

    /** The first valid code turns TOTP on. */
    async confirmTotp(user: User, code: string, requestId: string): Promise<void> {
      const fresh = await findUser(db, user.tenantId, user.id);
      if (!fresh?.totpCiphertext || fresh.totpEnabled) throw new AppError('console.invalid_input', 'Start the set-up again.');
      const step = await checkTotp(cipher.decrypt(fresh.totpCiphertext, totpAad(user.id)), code.trim(), null);
      if (step === null) throw new AppError('console.totp_failed', 'That code is not right; check the time on your device.');
      await updateUser(db, user.tenantId, user.id, { totp_enabled: true, totp_last_step: step });
      await appendAudit(db, { tenantId: user.tenantId, actor: userActor(user.id), action: 'user.totp_enabled', targetType: 'user', targetId: user.id, requestId });
    },

    /** Needs a current code: a stolen session alone cannot remove the second factor. */
    async disableTotp(user: User, code: string, requestId: string): Promise<void> {
      const fresh = await findUser(db, user.tenantId, user.id);
      if (!fresh?.totpEnabled || !fresh.totpCiphertext) throw new AppError('console.invalid_input', 'Two-step sign-in is already off.');
      const step = await checkTotp(cipher.decrypt(fresh.totpCiphertext, totpAad(user.id)), code.trim(), fresh.totpLastStep);
      if (step === null) throw new AppError('console.totp_failed', 'That code is not right or was already used.');
      await updateUser(db, user.tenantId, user.id, { totp_enabled: false, totp_ciphertext: null, totp_last_step: null });
      await appendAudit(db, { tenantId: user.tenantId, actor: userActor(user.id), action: 'user.totp_disabled', targetType: 'user', targetId: user.id, requestId });
    },
  };
}

export type TeamService = ReturnType<typeof createTeamService>;
