// Members of an organisation: the first owner (CLI), invitations, role changes and removal. Every change is audited with the acting user (or `cli`) as actor; rules
// about who may do what come from roles.ts.
import type { Db, Trx } from '../platform/db.js';
import { newId } from '../platform/ids.js';
import { AppError } from '../platform/app-error.js';
import { appendAudit } from '../platform/audit-store.js';
import { isDuplicateKey } from '../platform/db-errors.js';
import { findTenant } from '../tenants/tenant-store.js';
import { canManageMember, type Role } from './roles.js';
import { hashPassword, newToken, passwordProblem, tokenHash } from './credentials.js';
import { revokeUserSessions } from './session-store.js';
import { userActor } from './session-service.js';
import {
  findInvitationByToken, findUser, findUserByEmail, insertInvitation, insertUser, listOpenInvitations, listUsers, lockOwners,
  markInvitation, normaliseEmail, TOTP_OFF, updateUser, type User,
} from './user-store.js';

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,189}\.[^\s@]{2,}$/;

function checkMember(email: string, name: string, password: string): void {
  if (!EMAIL.test(email) || email.length > 254) throw new AppError('console.invalid_input', 'Enter a valid e-mail address.');
  if (name.trim().length === 0 || name.length > 200) throw new AppError('console.invalid_input', 'Enter a name of 1 to 200 characters.');
  // Control, format (bidi overrides, zero-width) and line-separator characters could rewrite what other
  // members read about this one (a confirm dialog, a table row).
  if (/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(name)) throw new AppError('console.invalid_input', 'A name may not contain control or invisible characters.');
  const problem = passwordProblem(password, email);
  if (problem) throw new AppError('console.invalid_input', problem);
}

const invalidInvitation = () => new AppError('console.invitation_invalid', 'This invitation link is not valid: it was used, revoked or has expired.');

export function createTeamService(deps: { db: Db; invitationMs: number }) {
  const { db } = deps;

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
    // The owners' rows first, then the target's: one lock order, so two owners demoting each other
    // queue instead of deadlocking, and the last-owner count cannot change under the decision.
    const owners = await lockOwners(trx, actor.tenantId);
    const target = await findUser(trx, actor.tenantId, targetId, true);
    if (!target || target.status !== 'active') throw new AppError('user.not_found', 'No such user in this organisation.');
    if (!canManageMember(actor.role, target.role, to)) throw new AppError('console.forbidden', 'Your role cannot make this change.');
    if (target.role === 'owner' && to !== 'owner' && owners.length <= 1) throw new AppError('console.last_owner', 'An organisation keeps at least one owner.');
    return target;
  }

  /** Invitations a member made stop working when they leave or their role changes. */
  const revokeInvitationsBy = (trx: Trx, tenantId: string, userId: string) =>
    trx('user_invitations').where({ tenant_id: tenantId, created_by: userActor(userId) }).whereNull('accepted_at').whereNull('revoked_at').update({ revoked_at: new Date() });

  /** The organisation must be active for anyone to join it. */
  async function activeTenant(q: Db | Trx, tenantId: string) {
    const tenant = await findTenant(q, tenantId);
    if (!tenant) throw new AppError('console.invalid_input', `No tenant ${tenantId}.`);
    if (tenant.status !== 'active') throw new AppError('console.forbidden', 'This organisation is disabled.');
    return tenant;
  }

  return {
    /** `payval users create`: any role, usually the first owner. */
    async createUser(tenantId: string, input: { email: string; name: string; password: string; role: Role }, actor = 'cli'): Promise<User> {
      return db.transaction(async (trx) => {
        await activeTenant(trx, tenantId);
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
      await activeTenant(db, actor.tenantId);
      // Only a member of this organisation is named: whether an address belongs to another one is not
      // for this organisation to learn (accepting such an invitation fails for the invitee alone).
      const existing = await findUserByEmail(db, normalised);
      if (existing?.tenantId === actor.tenantId) throw new AppError('console.email_taken', 'A member with this e-mail address already exists.');
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
      if (tenant?.status !== 'active') throw invalidInvitation();
      return { invitation: inv, organisation: tenant.name };
    },

    async acceptInvitation(token: string, input: { name: string; password: string }, requestId: string): Promise<User> {
      return db.transaction(async (trx) => {
        const inv = await findInvitationByToken(trx, tokenHash(token), true);
        if (!inv || inv.acceptedAt || inv.revokedAt || inv.expiresAt <= new Date()) throw invalidInvitation();
        await activeTenant(trx, inv.tenantId);
        // The inviter must still be a member who may grant this role (an invitation outlives no one's rights).
        if (inv.createdBy.startsWith('user:')) {
          const inviter = await findUser(trx, inv.tenantId, inv.createdBy.slice('user:'.length));
          if (!inviter || inviter.status !== 'active' || !canManageMember(inviter.role, inv.role, inv.role)) throw invalidInvitation();
        }
        const user = await addUser(trx, inv.tenantId, { email: inv.email, name: input.name, password: input.password, role: inv.role });
        await markInvitation(trx, inv.tenantId, inv.id, 'accepted_at');
        await appendAudit(trx, { tenantId: inv.tenantId, actor: userActor(user.id), action: 'invitation.accepted', targetType: 'invitation', targetId: inv.id, requestId, details: { role: inv.role, user_id: user.id } });
        return user;
      });
    },

    async revokeInvitation(actor: User, id: string, requestId: string): Promise<void> {
      await db.transaction(async (trx) => {
        const inv = await trx('user_invitations').where({ tenant_id: actor.tenantId, id }).whereNull('accepted_at').whereNull('revoked_at').forUpdate().first('role');
        if (!inv) throw new AppError('console.invitation_invalid', 'No open invitation with this id.');
        if (!canManageMember(actor.role, inv.role as Role, null)) throw new AppError('console.forbidden', 'Your role cannot revoke this invitation.');
        await markInvitation(trx, actor.tenantId, id, 'revoked_at');
        await appendAudit(trx, { tenantId: actor.tenantId, actor: userActor(actor.id), action: 'invitation.revoked', targetType: 'invitation', targetId: id, requestId });
      });
    },

    /** A new role ends the member's sessions: what they may do changed. */
    async changeRole(actor: User, userId: string, role: Role, requestId: string): Promise<void> {
      await db.transaction(async (trx) => {
        const target = await guard(trx, actor, userId, role);
        if (target.role === role) return;
        await updateUser(trx, actor.tenantId, userId, { role });
        await revokeUserSessions(trx, userId, new Date());
        await revokeInvitationsBy(trx, actor.tenantId, userId);
        await appendAudit(trx, { tenantId: actor.tenantId, actor: userActor(actor.id), action: 'user.role_changed', targetType: 'user', targetId: userId, requestId, details: { from: target.role, to: role } });
      });
    },

    /** For a member who lost their authenticator: two-step sign-in off (they set it up again), sessions ended. */
    async resetMemberTotp(actor: User, userId: string, requestId: string): Promise<void> {
      await db.transaction(async (trx) => {
        const target = await findUser(trx, actor.tenantId, userId, true);
        if (!target || target.status !== 'active') throw new AppError('user.not_found', 'No such user in this organisation.');
        if (target.id === actor.id) throw new AppError('console.invalid_input', 'Turn your own two-step sign-in off on your account page.');
        if (!canManageMember(actor.role, target.role, target.role)) throw new AppError('console.forbidden', 'Your role cannot reset this member.');
        await updateUser(trx, actor.tenantId, userId, TOTP_OFF);
        await revokeUserSessions(trx, userId, new Date());
        await appendAudit(trx, { tenantId: actor.tenantId, actor: userActor(actor.id), action: 'user.totp_reset', targetType: 'user', targetId: userId, requestId });
      });
    },

    async removeUser(actor: User, userId: string, requestId: string): Promise<void> {
      await db.transaction(async (trx) => {
        await guard(trx, actor, userId, null);
        // The row stays (audit entries name it); the address is freed for a later invitation.
        await updateUser(trx, actor.tenantId, userId, { status: 'removed', email: `removed+${userId.toLowerCase()}@invalid` });
        await revokeUserSessions(trx, userId, new Date());
        await revokeInvitationsBy(trx, actor.tenantId, userId);
        await appendAudit(trx, { tenantId: actor.tenantId, actor: userActor(actor.id), action: 'user.removed', targetType: 'user', targetId: userId, requestId });
      });
    },
  };
}

export type TeamService = ReturnType<typeof createTeamService>;
