// SQL for console users and invitations. Every read of a tenant's members is scoped by tenant_id.
import type { Db, Trx } from '../platform/db.js';
import type { Role } from './roles.js';

export interface User {
  id: string;
  tenantId: string;
  email: string;
  name: string;
  role: Role;
  status: 'active' | 'removed';
  passwordHash: string;
  totpCiphertext: string | null;
  totpEnabled: boolean;
  totpLastStep: number | null;
  createdAt: Date;
  lastSignInAt: Date | null;
  /** The organisation is active: a disabled tenant's users are refused like its API keys. */
  tenantActive: boolean;
}

export interface Invitation {
  id: string;
  tenantId: string;
  email: string;
  role: Role;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date;
  acceptedAt: Date | null;
  revokedAt: Date | null;
}

type Row = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const toUser = (r: Row, tenantStatus: string | undefined = r.tenant_status): User => ({
  id: r.id,
  tenantId: r.tenant_id,
  email: r.email,
  name: r.name,
  role: r.role,
  status: r.status,
  passwordHash: r.password_hash,
  totpCiphertext: r.totp_ciphertext,
  totpEnabled: !!r.totp_enabled,
  totpLastStep: r.totp_last_step === null ? null : Number(r.totp_last_step),
  createdAt: r.created_at,
  lastSignInAt: r.last_sign_in_at,
  tenantActive: tenantStatus === 'active',
});

/** users with their tenant's status (a join on the tenant's primary key). */
const withTenant = (db: Db | Trx) => db('users as u').join('tenants as t', 't.id', 'u.tenant_id').select('u.*', 't.status as tenant_status');

const toInvitation = (r: Row): Invitation => ({
  id: r.id,
  tenantId: r.tenant_id,
  email: r.email,
  role: r.role,
  createdBy: r.created_by,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  acceptedAt: r.accepted_at,
  revokedAt: r.revoked_at,
});

/** The columns that turn two-step sign-in off (the secret goes with it). */
export const TOTP_OFF = { totp_enabled: false, totp_ciphertext: null, totp_last_step: null } as const;

export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

export async function insertUser(db: Db | Trx, u: { id: string; tenantId: string; email: string; name: string; role: Role; passwordHash: string }): Promise<void> {
  const now = new Date();
  await db('users').insert({ id: u.id, tenant_id: u.tenantId, email: u.email, name: u.name, role: u.role, password_hash: u.passwordHash, status: 'active', created_at: now, updated_at: now });
}

export async function findUserByEmail(db: Db | Trx, email: string): Promise<User | undefined> {
  const row = await withTenant(db).where('u.email', normaliseEmail(email)).first();
  return row ? toUser(row) : undefined;
}

/** `forUpdate` locks the user's row (not the tenant's): role changes and removals are decided under it. */
export async function findUser(db: Db | Trx, tenantId: string, id: string, forUpdate = false): Promise<User | undefined> {
  if (!forUpdate) {
    const row = await withTenant(db).where({ 'u.tenant_id': tenantId, 'u.id': id }).first();
    return row ? toUser(row) : undefined;
  }
  const row = await db('users').where({ tenant_id: tenantId, id }).forUpdate().first();
  if (!row) return undefined;
  const tenant = await db('tenants').where({ id: tenantId }).first('status');
  return toUser(row, tenant?.status);
}

export async function listUsers(db: Db | Trx, tenantId: string): Promise<User[]> {
  const rows = await withTenant(db).where({ 'u.tenant_id': tenantId, 'u.status': 'active' }).orderBy('u.id').limit(1000);
  return rows.map((r: Row) => toUser(r));
}

/** The tenant's active owners, locked: the last one cannot be demoted or removed. */
export async function lockOwners(trx: Trx, tenantId: string): Promise<string[]> {
  const rows = await trx('users').where({ tenant_id: tenantId, role: 'owner', status: 'active' }).forUpdate().select('id');
  return rows.map((r: Row) => r.id as string);
}

export async function updateUser(db: Db | Trx, tenantId: string, id: string, patch: Row): Promise<number> {
  return db('users').where({ tenant_id: tenantId, id }).update({ ...patch, updated_at: new Date() });
}

export async function insertInvitation(db: Db | Trx, i: Omit<Invitation, 'acceptedAt' | 'revokedAt'> & { tokenHash: string }): Promise<void> {
  await db('user_invitations').insert({
    id: i.id, tenant_id: i.tenantId, token_hash: i.tokenHash, email: i.email, role: i.role,
    created_by: i.createdBy, created_at: i.createdAt, expires_at: i.expiresAt,
  });
}

export async function findInvitationByToken(db: Db | Trx, tokenHash: string, forUpdate = false): Promise<Invitation | undefined> {
  const q = db('user_invitations').where({ token_hash: tokenHash });
  const row = await (forUpdate ? q.forUpdate().first() : q.first());
  return row ? toInvitation(row) : undefined;
}

/** Open invitations: neither accepted, revoked nor expired. */
export async function listOpenInvitations(db: Db | Trx, tenantId: string, now: Date): Promise<Invitation[]> {
  const rows = await db('user_invitations')
    .where({ tenant_id: tenantId })
    .whereNull('accepted_at')
    .whereNull('revoked_at')
    .where('expires_at', '>', now)
    .orderBy('id', 'desc')
    .limit(200);
  return rows.map(toInvitation);
}

export async function markInvitation(db: Db | Trx, tenantId: string, id: string, column: 'accepted_at' | 'revoked_at'): Promise<number> {
  return db('user_invitations').where({ tenant_id: tenantId, id }).whereNull('accepted_at').whereNull('revoked_at').update({ [column]: new Date() });
}
