import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { can, canManageMember, isRole, ROLE_SUMMARY, ROLES, type Permission, type Role } from '../../src/users/roles.js';

const ALL: Permission[] = [
  'validations.read', 'validations.create', 'batches.download', 'keys.manage', 'webhooks.read', 'webhooks.manage',
  'team.read', 'team.manage', 'settings.read', 'settings.manage', 'audit.read',
];

// The table the README states: owner and admin everything; operator validates, uploads, downloads and
// reads; viewer only reads; developer manages keys and webhooks and reads.
const READ: Permission[] = ['validations.read', 'webhooks.read', 'team.read', 'settings.read'];
const EXPECTED: Record<Role, Permission[]> = {
  owner: ALL,
  admin: ALL,
  operator: [...READ, 'validations.create', 'batches.download'],
  viewer: READ,
  developer: [...READ, 'keys.manage', 'webhooks.manage'],
};

const granted = (role: Role) => ALL.filter((p) => can(role, p)).sort();

describe('console roles: the permission table', () => {
  it('knows exactly the five roles', () => {
    assert.deepEqual([...ROLES], ['owner', 'admin', 'operator', 'viewer', 'developer']);
    for (const r of ROLES) assert.ok(isRole(r));
    for (const v of ['Owner', 'root', '', 'owner ', null, undefined, 1, {}]) assert.equal(isRole(v), false, String(v));
    assert.deepEqual(Object.keys(ROLE_SUMMARY).sort(), [...ROLES].sort());
  });

  for (const role of ROLES) {
    it(`${role}: ${EXPECTED[role].length === ALL.length ? 'everything' : EXPECTED[role].join(', ')}`, () => {
      assert.deepEqual(granted(role), [...EXPECTED[role]].sort());
    });
  }

  it('only owner and admin manage the team and settings or read the audit log', () => {
    for (const p of ['team.manage', 'settings.manage', 'audit.read'] as const) {
      assert.deepEqual(ROLES.filter((r) => can(r, p)), ['owner', 'admin'], p);
    }
  });

  it('viewer changes nothing: every grant is a read', () => {
    assert.ok(granted('viewer').every((p) => p.endsWith('.read')));
  });

  it('only owner, admin and operator validate or download; only owner, admin and developer manage keys and webhooks', () => {
    assert.deepEqual(ROLES.filter((r) => can(r, 'validations.create')), ['owner', 'admin', 'operator']);
    assert.deepEqual(ROLES.filter((r) => can(r, 'batches.download')), ['owner', 'admin', 'operator']);
    assert.deepEqual(ROLES.filter((r) => can(r, 'keys.manage')), ['owner', 'admin', 'developer']);
    assert.deepEqual(ROLES.filter((r) => can(r, 'webhooks.manage')), ['owner', 'admin', 'developer']);
  });

  it('every role reads validations, webhooks, the team and settings (the navigation every member sees)', () => {
    for (const r of ROLES) for (const p of READ) assert.ok(can(r, p), `${r} ${p}`);
  });
});

describe('console roles: who may manage whom (canManageMember)', () => {
  const targets: Array<Role | null> = [...ROLES, null];

  it('an owner may give any member any role, and remove anyone (the last-owner rule is the team service\'s)', () => {
    for (const target of ROLES) for (const to of targets) assert.ok(canManageMember('owner', target, to), `${target} -> ${to}`);
  });

  it('an admin manages every non-owner, but cannot make, demote or remove an owner', () => {
    for (const target of ROLES) {
      for (const to of targets) {
        const expected = target !== 'owner' && to !== 'owner';
        assert.equal(canManageMember('admin', target, to), expected, `admin: ${target} -> ${to}`);
      }
    }
    assert.equal(canManageMember('admin', 'owner', null), false, 'remove an owner');
    assert.equal(canManageMember('admin', 'owner', 'viewer'), false, 'demote an owner');
    assert.equal(canManageMember('admin', 'viewer', 'owner'), false, 'promote to owner');
    assert.equal(canManageMember('admin', 'admin', 'owner'), false, 'promote itself to owner');
    // Inviting uses the same rule with target = to = the invited role.
    assert.equal(canManageMember('admin', 'owner', 'owner'), false, 'invite an owner');
    assert.equal(canManageMember('admin', 'admin', 'admin'), true, 'invite an admin');
  });

  it('operator, viewer and developer (no team.manage) manage nobody, themselves included', () => {
    for (const actor of ['operator', 'viewer', 'developer'] as const) {
      assert.equal(can(actor, 'team.manage'), false);
      for (const target of ROLES) for (const to of targets) assert.equal(canManageMember(actor, target, to), false, `${actor}: ${target} -> ${to}`);
    }
  });
});
