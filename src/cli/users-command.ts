// `payval users create|invite`: the first owner of an organisation (or any member) without a browser,
// and invitation links for the console. Passwords never come from the command line (process lists
// show it): from stdin with --password-stdin, or generated and printed once.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { Db } from '../platform/db.js';
import { AppError } from '../platform/app-error.js';
import { createFieldCipher } from '../platform/field-cipher.js';
import type { Config } from '../config.js';
import { createTeamService } from '../users/team-service.js';
import { createPasswordService } from '../users/password-service.js';
import type { SignInThrottle } from '../users/sign-in-throttle.js';

/** The CLI runs on the server as its operator: resets are not guesses, nothing to throttle. */
const NO_THROTTLE: SignInThrottle = { check: async () => undefined, succeed: async () => undefined };
import { isRole, ROLES, type Role } from '../users/roles.js';

export const USERS_USAGE = `  users create --tenant ID --email EMAIL --name NAME [--role owner] [--password-stdin] [--json]
                                      Create a console user (default role owner); without --password-stdin
                                      a password is generated and shown once
  users invite --tenant ID --email EMAIL --role ROLE [--base-url URL] [--json]
                                      Print a one-time invitation link for the console
  users reset-password --email EMAIL [--password-stdin] [--json]
                                      A new password (generated and shown once unless
                                      --password-stdin); every session of the user ends
  users reset-totp --email EMAIL [--json]
                                      Turn two-step sign-in off for a user who lost their
                                      authenticator; every session of the user ends`;

export class UsersUsageError extends Error {}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** 20 characters from a 64-symbol alphabet: 120 bits. */
export const generatedPassword = (): string => randomBytes(15).toString('base64url');

function roleOf(value: string | undefined, fallback?: Role): Role {
  const role = value ?? fallback;
  if (!isRole(role)) throw new UsersUsageError(`--role must be one of ${ROLES.join(', ')}`);
  return role;
}

const team = (config: Config, db: Db) =>
  createTeamService({ db, invitationMs: config.console.invitationMs });

export async function usersCommand(args: string[], config: Config, withDb: <T>(work: (db: Db) => Promise<T>) => Promise<T>): Promise<void> {
  const [sub, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: {
      tenant: { type: 'string' }, email: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' },
      'password-stdin': { type: 'boolean' }, 'base-url': { type: 'string' }, json: { type: 'boolean' },
    },
  });
  if (!values.email) throw new UsersUsageError('--email is required');
  if ((sub === 'create' || sub === 'invite') && !values.tenant) throw new UsersUsageError('--tenant is required');
  const out = (data: Record<string, unknown>, text: string) => process.stdout.write(values.json ? `${JSON.stringify(data)}\n` : `${text}\n`);
  try {
    if (sub === 'create') {
      if (!values.name) throw new UsersUsageError('--name is required');
      const role = roleOf(values.role, 'owner');
      const generated = !values['password-stdin'];
      const password = generated ? generatedPassword() : await readStdin();
      const user = await withDb((db) => team(config, db).createUser(values.tenant!, { email: values.email!, name: values.name!, password, role }));
      out(
        { user_id: user.id, tenant_id: user.tenantId, email: user.email, role: user.role, ...(generated ? { password } : {}) },
        `user ${user.id} (${user.email}, ${user.role}) created${generated ? `\npassword: ${password}\nStore it now: it is shown only once. Sign in at /console/sign-in.` : ''}`,
      );
      return;
    }
    if (sub === 'invite') {
      const role = roleOf(values.role);
      const { invitation, token } = await withDb((db) => team(config, db).invite({ tenantId: values.tenant!, cli: true }, values.email!, role, null));
      const base = (values['base-url'] ?? `http://localhost:${config.http.port}`).replace(/\/+$/, '');
      const link = `${base}/console/invitations/${token}`;
      out(
        { invitation_id: invitation.id, email: invitation.email, role, expires_at: invitation.expiresAt.toISOString(), link },
        `invitation ${invitation.id} for ${invitation.email} (${role}), valid until ${invitation.expiresAt.toISOString()}\n${link}\nThe link is shown only once.`,
      );
      return;
    }
    if (sub === 'reset-password' || sub === 'reset-totp') {
      const generated = sub === 'reset-password' && !values['password-stdin'];
      const password = sub === 'reset-password' ? (generated ? generatedPassword() : await readStdin()) : '';
      const user = await withDb((db) => {
        const passwords = createPasswordService({ db, throttle: NO_THROTTLE });
        return sub === 'reset-password' ? passwords.reset(values.email!, password) : passwords.resetTotp(values.email!);
      });
      const what = sub === 'reset-password' ? 'password reset' : 'two-step sign-in turned off';
      out(
        { user_id: user.id, email: user.email, reset: sub === 'reset-password' ? 'password' : 'totp', ...(generated ? { password } : {}) },
        `user ${user.id} (${user.email}): ${what}; every session ended${generated ? `\npassword: ${password}\nStore it now: it is shown only once.` : ''}`,
      );
      return;
    }
  } catch (err) {
    if (err instanceof AppError) {
      process.stderr.write(`payval: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  throw new UsersUsageError('expected: users create|invite|reset-password|reset-totp');
}
