// The team: members and open invitations; inviting (the link shown once), revoking, role changes and
// removal. The page offers only what the viewer's role may do (roles.ts); the team service enforces
// the same rules and audits every change, whatever the page showed.
import { Router, type Request, type Response } from 'express';
import { AppError } from '../../platform/app-error.js';
import { canManageMember, can, isRole, ROLE_SUMMARY, ROLES, type Role } from '../../users/roles.js';
import type { Invitation, User } from '../../users/user-store.js';
import type { ConsoleDeps } from '../console-routes.js';
import { consoleOf, requirePermission } from '../console-session.js';
import { formFailure } from '../form-errors.js';
import { csrfField, field, queryParam, noticeOf } from '../forms.js';
import { html, time, type Html } from '../html.js';
import { page, redirect, sendHtml } from '../layout.js';

const NOTICES: Record<string, string> = {
  'invitation-revoked': 'The invitation was revoked; its link no longer works.',
  'role-changed': 'The role was changed. That member was signed out everywhere and signs in again with the new role.',
  'member-removed': 'The member was removed and signed out everywhere.',
  'totp-reset': 'Two-step sign-in is off for that member; they were signed out and can set it up again.',
};

const options = (roles: readonly Role[], selected: string) =>
  roles.map((r) => html`<option value="${r}"${r === selected ? html` selected` : ''}>${r}</option>`);

function memberControls(csrf: string, actor: Role, m: User, self: boolean): Html | '' {
  const roles = ROLES.filter((r) => canManageMember(actor, m.role, r));
  const removable = canManageMember(actor, m.role, null);
  const resettable = !self && m.totpEnabled && canManageMember(actor, m.role, m.role);
  if (roles.length === 0 && !removable && !resettable) return '';
  return html`${roles.length > 0 ? html`<form method="post" action="/console/team/users/${m.id}/role" class="inline">
  ${csrfField(csrf)}<select name="role" aria-label="Role for ${m.name}">${options(roles, m.role)}</select> <button type="submit">Change role</button>
</form>` : ''}${removable ? html`<form method="post" action="/console/team/users/${m.id}/remove" class="inline" data-confirm="Remove ${m.name} (${m.email}) from the organisation?">
  ${csrfField(csrf)}<button type="submit" class="danger">Remove</button>
</form>` : ''}${resettable ? html`<form method="post" action="/console/team/users/${m.id}/reset-totp" class="inline" data-confirm="Turn off two-step sign-in for ${m.name}? They will be signed out and can set it up again.">
  ${csrfField(csrf)}<button type="submit" class="secondary">Reset two-step</button>
</form>` : ''}`;
}

function membersTable(csrf: string, me: User, users: User[], manage: boolean): Html {
  return html`<table><thead><tr><th scope="col">Name</th><th scope="col">E-mail</th><th scope="col">Role</th><th scope="col">Two-step</th><th scope="col">Last sign-in</th>${manage ? html`<th scope="col">Change</th>` : ''}</tr></thead><tbody>
${users.map((m) => html`<tr data-user-id="${m.id}"><td>${m.name}${m.id === me.id ? html` <span class="muted">(you)</span>` : ''}</td><td>${m.email}</td><td>${m.role}</td>
<td>${m.totpEnabled ? 'On' : 'Off'}</td><td>${time(m.lastSignInAt)}</td>${manage ? html`<td>${memberControls(csrf, me.role, m, m.id === me.id)}</td>` : ''}</tr>`)}
</tbody></table>`;
}

function invitationsTable(csrf: string, actor: Role, invitations: Invitation[], manage: boolean): Html {
  if (invitations.length === 0) return html`<p class="muted">No open invitations.</p>`;
  return html`<table><thead><tr><th scope="col">E-mail</th><th scope="col">Role</th><th scope="col">Invited by</th><th scope="col">Expires</th>${manage ? html`<th scope="col">Revoke</th>` : ''}</tr></thead><tbody>
${invitations.map((i) => html`<tr data-invitation-id="${i.id}"><td>${i.email}</td><td>${i.role}</td><td><code>${i.createdBy}</code></td><td>${time(i.expiresAt)}</td>
${manage ? html`<td>${canManageMember(actor, i.role, null) ? html`<form method="post" action="/console/team/invitations/${i.id}/revoke" class="inline" data-confirm="Revoke the invitation for ${i.email}?">${csrfField(csrf)}<button type="submit" class="danger">Revoke</button></form>` : ''}</td>` : ''}</tr>`)}
</tbody></table>`;
}

const inviteForm = (csrf: string, actor: Role, v: { email: string; role: string }) => html`<form method="post" action="/console/team/invitations" class="stack">
  ${csrfField(csrf)}
  <label for="invite-email">E-mail address</label>
  <input id="invite-email" name="email" type="email" required maxlength="254" value="${v.email}">
  <label for="invite-role">Role</label>
  <select id="invite-role" name="role">${options(ROLES.filter((r) => canManageMember(actor, r, r)), v.role || 'viewer')}</select>
  <button type="submit">Create invitation link</button>
</form>`;

const roleOf = (req: Request): Role => {
  const role = field(req, 'role', { required: true, max: 20 });
  if (!isRole(role)) throw new AppError('console.invalid_input', 'Choose one of the roles.');
  return role;
};

export function teamPages(d: ConsoleDeps): Router {
  const router = Router();

  async function show(req: Request, res: Response, o: { error?: string | null; invite?: { email: string; role: string } } = {}) {
    const ctx = consoleOf(req);
    const { users, invitations } = await d.team.members(ctx.user.tenantId);
    const manage = can(ctx.user.role, 'team.manage');
    sendHtml(res, page(ctx, { title: 'Team', section: '/console/team', error: o.error ?? null, notice: noticeOf(req, NOTICES) }, html`
<section aria-labelledby="members"><h2 id="members">Members</h2>${membersTable(ctx.csrf, ctx.user, users, manage)}</section>
<section aria-labelledby="invitations"><h2 id="invitations">Open invitations</h2>${invitationsTable(ctx.csrf, ctx.user.role, invitations, manage)}</section>
${manage ? html`<section aria-labelledby="invite"><h2 id="invite">Invite someone</h2>${inviteForm(ctx.csrf, ctx.user.role, o.invite ?? { email: '', role: '' })}</section>` : ''}
<section aria-labelledby="roles"><h2 id="roles">Roles</h2><dl class="facts">${ROLES.map((r) => html`<dt>${r}</dt><dd>${ROLE_SUMMARY[r]}</dd>`)}</dl></section>`), res.statusCode);
  }

  /** Runs a change; a refusal a person can act on (last owner, forbidden, not found) is shown on the team page. */
  const change = (act: (req: Request) => Promise<void>, notice: string) => async (req: Request, res: Response) => {
    try {
      await act(req);
    } catch (err) {
      const error = formFailure(res, err);
      if (error === null) throw err;
      return show(req, res, { error });
    }
    redirect(res, `/console/team?notice=${notice}`);
  };

  router.get('/console/team', requirePermission('team.read'), (req, res) => show(req, res));

  router.post('/console/team/invitations', requirePermission('team.manage'), async (req, res) => {
    const ctx = consoleOf(req);
    const invite = { email: field(req, 'email', { max: 254 }), role: field(req, 'role', { max: 20 }) };
    let created;
    try {
      created = await d.team.invite(ctx.user, invite.email, roleOf(req), req.requestId);
    } catch (err) {
      const error = formFailure(res, err);
      if (error === null) throw err;
      return show(req, res, { error, invite });
    }
    const { invitation, token } = created;
    const link = `${req.protocol}://${req.get('host')}/console/invitations/${token}`;
    sendHtml(res, page(ctx, { title: 'Invitation created', section: '/console/team' }, html`
<p>Send this link to <strong>${invitation.email}</strong> to join as <strong>${invitation.role}</strong>. It works once and expires ${time(invitation.expiresAt)}.</p>
<div class="secret"><p>Invitation link, shown only now: copy it before you leave this page.</p>
<p><code data-testid="invitation-link">${link}</code></p></div>
<p><a href="/console/team">Back to the team</a></p>`));
  });

  // The service decides who may revoke which invitation (an admin not an owner's), under a row lock.
  router.post('/console/team/invitations/:id/revoke', requirePermission('team.manage'), change(async (req) => {
    await d.team.revokeInvitation(consoleOf(req).user, String(req.params.id), req.requestId);
  }, 'invitation-revoked'));

  router.post('/console/team/users/:id/role', requirePermission('team.manage'), change(async (req) => {
    await d.team.changeRole(consoleOf(req).user, String(req.params.id), roleOf(req), req.requestId);
  }, 'role-changed'));

  router.post('/console/team/users/:id/reset-totp', requirePermission('team.manage'), change(async (req) => {
    await d.team.resetMemberTotp(consoleOf(req).user, String(req.params.id), req.requestId);
  }, 'totp-reset'));

  router.post('/console/team/users/:id/remove', requirePermission('team.manage'), change(async (req) => {
    await d.team.removeUser(consoleOf(req).user, String(req.params.id), req.requestId);
  }, 'member-removed'));

  return router;
}
