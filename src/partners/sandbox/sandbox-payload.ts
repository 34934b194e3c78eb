// Request validation for the simulator, shaped like a real partner's: it refuses what a partner would
// refuse, so payval's handling of 400s gets exercised too.

import type { SandboxInput } from './sandbox-rules.js';

export type SandboxRoute = 'bank-account' | 'vpa';

export interface SandboxCall {
  reference: string;
  input: SandboxInput;
}

const REFERENCE = /^[A-Za-z0-9._:-]{1,128}$/;
const ACCOUNT_NUMBER = /^[0-9]{4,34}$/;
const IFSC = /^[A-Za-z]{4}0[A-Za-z0-9]{6}$/;
const VPA = /^[^@\s]{1,128}@[^@\s]{1,64}$/;
const ACCOUNT_RAILS: ReadonlySet<unknown> = new Set(['IMPS', 'NEFT']);

/** Returns null when the body is not an acceptable call for the route. */
export function parseSandboxPayload(route: SandboxRoute, body: unknown): SandboxCall | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const b = body as Record<string, unknown>;
  if (!matches(b.reference, REFERENCE)) return null;

  if (route === 'bank-account') {
    if (!matches(b.account_number, ACCOUNT_NUMBER) || !matches(b.ifsc, IFSC) || !ACCOUNT_RAILS.has(b.rail)) {
      return null;
    }
    return { reference: b.reference, input: { type: 'bank_account', accountNumber: b.account_number } };
  }
  if (!matches(b.vpa, VPA)) return null;
  return { reference: b.reference, input: { type: 'vpa', vpa: b.vpa } };
}

function matches(value: unknown, pattern: RegExp): value is string {
  return typeof value === 'string' && pattern.test(value);
}
