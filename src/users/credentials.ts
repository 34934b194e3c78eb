// Passwords, one-time tokens and TOTP codes: the console's secrets, none of them stored in clear.
import { createHash, randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { generateSecret, generateURI, verify as verifyTotp } from 'otplib';

// argon2id with OWASP's minimum (19 MiB, 2 passes, 1 lane): about 30 ms here, and libuv's thread pool
// runs it off the event loop. The PHC string carries its parameters, so raising them later still
// verifies old hashes. `2` is Argon2id in @node-rs/argon2's const enum (not importable under tsx).
const ARGON2 = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 200;

export const hashPassword = (password: string): Promise<string> => hash(password, ARGON2 as never);

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/**
 * A hash to verify against when no user has the address, so an unknown address costs the same time
 * as a wrong password and answers the same (no account enumeration by timing).
 */
let decoy: Promise<string> | undefined;
export const decoyHash = (): Promise<string> => (decoy ??= hashPassword(randomBytes(16).toString('hex')));

/** Why a new password is refused, or null. Length is what matters (NIST 800-63B); no composition rules. */
export function passwordProblem(password: string, email: string): string | null {
  if (password.length < PASSWORD_MIN) return `The password must be at least ${PASSWORD_MIN} characters.`;
  if (password.length > PASSWORD_MAX) return `The password must be at most ${PASSWORD_MAX} characters.`;
  if (password.toLowerCase().includes(email.split('@')[0]!.toLowerCase()) && email.split('@')[0]!.length >= 4) return 'The password must not contain your e-mail name.';
  return null;
}

/** A bearer token (session cookie, invitation link): 256 random bits, kept only as its SHA-256. */
export function newToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: tokenHash(token) };
}

export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

/** TOTP (RFC 6238: SHA-1, 6 digits, 30 s), as every authenticator app reads it. */
export const newTotpSecret = (): string => generateSecret();

export const totpUri = (secret: string, email: string): string => generateURI({ issuer: 'payval', label: email, secret });

/**
 * The time step of a valid code, or null. One step of clock drift either way; `afterStep` (the last
 * accepted step) makes every code single-use.
 */
export async function checkTotp(secret: string, code: string, afterStep: number | null): Promise<number | null> {
  if (!/^\d{6}$/.test(code)) return null;
  try {
    const r = await verifyTotp({ secret, token: code, epochTolerance: 30, ...(afterStep !== null ? { afterTimeStep: afterStep } : {}) });
    return r.valid && 'timeStep' in r ? (r.timeStep as number) : null;
  } catch {
    return null;
  }
}
