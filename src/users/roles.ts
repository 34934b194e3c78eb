// Who may do what in the console. Pure: the one table every console route asks (server-side; the
// pages hide what a role cannot do only as a courtesy). See docs/decisions/0030-console.md.

export const ROLES = ['owner', 'admin', 'operator', 'viewer', 'developer'] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (v: unknown): v is Role => typeof v === 'string' && (ROLES as readonly string[]).includes(v);

export type Permission =
  | 'validations.read'
  | 'validations.create'
  | 'batches.download'
  | 'keys.manage'
  /** Live keys reach the bank partners and can change settings: owners and admins only. */
  | 'keys.live'
  | 'webhooks.read'
  | 'webhooks.manage'
  | 'team.read'
  | 'team.manage'
  | 'settings.read'
  | 'settings.manage'
  | 'audit.read';

const ALL: readonly Permission[] = [
  'validations.read', 'validations.create', 'batches.download', 'keys.manage', 'keys.live', 'webhooks.read', 'webhooks.manage',
  'team.read', 'team.manage', 'settings.read', 'settings.manage', 'audit.read',
];

const GRANTS: Record<Role, ReadonlySet<Permission>> = {
  owner: new Set(ALL),
  admin: new Set(ALL),
  // Payout teams: validate, upload, download; they see the team and settings but change neither.
  operator: new Set(['validations.read', 'validations.create', 'batches.download', 'webhooks.read', 'team.read', 'settings.read']),
  viewer: new Set(['validations.read', 'webhooks.read', 'team.read', 'settings.read']),
  // Integrators: test keys and webhooks, and read access to what their integration produced. A live key
  // can do everything the API can (paid validations, settings), so only owners and admins make or
  // revoke one.
  developer: new Set(['validations.read', 'keys.manage', 'webhooks.read', 'webhooks.manage', 'team.read', 'settings.read']),
};

export function can(role: Role, permission: Permission): boolean {
  return GRANTS[role].has(permission);
}

/**
 * Whether `actor` may give `target` the role `to` (or remove them when `to` is null). Only an owner
 * makes or unmakes an owner; an admin manages everyone else.
 */
export function canManageMember(actor: Role, target: Role, to: Role | null): boolean {
  if (!can(actor, 'team.manage')) return false;
  if (actor === 'owner') return true;
  return target !== 'owner' && to !== 'owner';
}

/** What the roles table in the README and the team page say about each role. */
export const ROLE_SUMMARY: Record<Role, string> = {
  owner: 'Everything, including making and removing other owners',
  admin: 'Team (except owners), API keys (live too), webhooks, settings, audit log; validate and upload',
  operator: 'Validate, upload CSV batches, download results; read everything else',
  viewer: 'Read only: validations, batches, webhooks, team, settings',
  developer: 'Test API keys and webhooks; read validations and batches',
};
