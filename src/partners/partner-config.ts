// Partner settings from the environment: which partners, in what order, on which rails, with what
// credentials and breaker options. Kept apart from config.ts because every partner repeats the same
// family of keys (PARTNER_<NAME>_…).

import { ALL_RAILS, type Rail } from './partner-types.js';

export const PARTNER_NAMES = ['sandbox', 'cashfree', 'razorpay'] as const;
export type PartnerName = (typeof PARTNER_NAMES)[number];

export interface BreakerSettings {
  errorThresholdPercentage: number;
  volumeThreshold: number;
  rollingCountTimeoutMs: number;
  rollingCountBuckets: number;
  resetTimeoutMs: number;
}

export interface PartnerSettings {
  name: PartnerName;
  /** Null: served by the simulator embedded in this process (development and tests only). */
  baseUrl: string | null;
  rails: readonly Rail[];
  callTimeoutMs: number;
  breaker: BreakerSettings;
  credentials: Record<string, string>;
}

export interface PartnersConfig {
  /** In priority order; they serve live keys. */
  enabled: PartnerSettings[];
  /**
   * The sandbox partner that serves every test-mode validation, on every rail, whatever PARTNERS
   * says; its own connector and breaker (PARTNER_SANDBOX_*; embedded simulator without a base URL).
   */
  testMode: PartnerSettings;
  railPriority: Partial<Record<Rail, PartnerName[]>>;
  simPort: number;
  connectTimeoutMs: number;
  callTimeoutMs: number;
  breaker: BreakerSettings;
  followupHoldMs: number;
  pendingPollMs: number;
  authCooldownMs: number;
  /** Cap on the pause a 429's Retry-After imposes on a partner (and on a pending answer's wait). */
  maxRetryAfterMs: number;
  /** How long a validation may stay held back by rate limits before it fails `partner.rate_limited`. */
  rateLimitMaxWaitMs: number;
}

/** Credential keys per partner: env suffix → connector option. */
export const CREDENTIAL_KEYS: Record<PartnerName, Record<string, string>> = {
  sandbox: { API_KEY: 'apiKey' },
  cashfree: { CLIENT_ID: 'clientId', CLIENT_SECRET: 'clientSecret' },
  razorpay: { KEY_ID: 'keyId', KEY_SECRET: 'keySecret', ACCOUNT_NUMBER: 'sourceAccountNumber' },
};

const BREAKER_KEYS: Record<keyof BreakerSettings, { suffix: string; min: number; max: number }> = {
  errorThresholdPercentage: { suffix: 'BREAKER_ERROR_THRESHOLD_PERCENT', min: 1, max: 100 },
  volumeThreshold: { suffix: 'BREAKER_VOLUME_THRESHOLD', min: 1, max: 10_000 },
  rollingCountTimeoutMs: { suffix: 'BREAKER_ROLLING_WINDOW_MS', min: 1000, max: 600_000 },
  rollingCountBuckets: { suffix: 'BREAKER_ROLLING_BUCKETS', min: 1, max: 100 },
  resetTimeoutMs: { suffix: 'BREAKER_RESET_TIMEOUT_MS', min: 100, max: 600_000 },
};

type Env = Record<string, string | undefined>;

/**
 * Reads the partner family of keys. Problems are pushed as "KEY: message" so loadConfig can report
 * them with everything else.
 */
export function parsePartnersConfig(
  env: Env,
  base: Omit<PartnersConfig, 'enabled' | 'railPriority' | 'testMode'>,
  production: boolean,
  problems: string[],
): PartnersConfig {
  const names = list(env.PARTNERS ?? 'sandbox');
  const enabled: PartnerSettings[] = [];
  if (names.length === 0) problems.push('PARTNERS: at least one partner is required');
  for (const raw of names) {
    if (!(PARTNER_NAMES as readonly string[]).includes(raw)) {
      problems.push(`PARTNERS: unknown partner "${raw}" (known: ${PARTNER_NAMES.join(', ')})`);
      continue;
    }
    const name = raw as PartnerName;
    if (enabled.some((p) => p.name === name)) {
      problems.push(`PARTNERS: "${name}" is listed twice`);
      continue;
    }
    enabled.push(partnerSettings(env, name, base, production, problems));
  }

  const railPriority: Partial<Record<Rail, PartnerName[]>> = {};
  for (const rail of ALL_RAILS) {
    const key = `PARTNER_ROUTE_${rail}`;
    if (!env[key]) continue;
    const route = list(env[key]);
    const unknown = route.filter((n) => !enabled.some((p) => p.name === n));
    if (unknown.length) problems.push(`${key}: not in PARTNERS: ${unknown.join(', ')}`);
    else railPriority[rail] = route as PartnerName[];
  }
  for (const rail of ALL_RAILS) {
    const route = railPriority[rail] ?? enabled.map((p) => p.name);
    if (!route.some((n) => enabled.find((p) => p.name === n)?.rails.includes(rail))) {
      problems.push(`PARTNERS: no partner serves the ${rail} rail`);
    }
  }
  // Live keys must get real answers: in production the sandbox's made-up ones are for test keys only.
  if (production && enabled.some((p) => p.name === 'sandbox')) {
    problems.push('PARTNERS: the sandbox partner cannot serve live keys in production (test keys reach it whatever PARTNERS says)');
  }
  const sandbox = enabled.find((p) => p.name === 'sandbox') ?? partnerSettings(env, 'sandbox', base, production, problems, false);
  return { ...base, enabled, railPriority, testMode: { ...sandbox, rails: [...ALL_RAILS] } };
}

/** `requireBaseUrl`: false for the test-mode sandbox, which the embedded simulator may serve even in production. */
function partnerSettings(
  env: Env,
  name: PartnerName,
  base: Omit<PartnersConfig, 'enabled' | 'railPriority' | 'testMode'>,
  production: boolean,
  problems: string[],
  requireBaseUrl = production,
): PartnerSettings {
  const prefix = `PARTNER_${name.toUpperCase()}_`;
  const baseUrl = env[`${prefix}BASE_URL`] || null;
  if (baseUrl !== null) {
    try {
      const u = new URL(baseUrl);
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error();
      if (production && u.protocol !== 'https:') problems.push(`${prefix}BASE_URL: must be https in production`);
    } catch {
      problems.push(`${prefix}BASE_URL: must be an absolute http(s) URL`);
    }
  } else if (requireBaseUrl) {
    problems.push(`${prefix}BASE_URL: required in production (the embedded simulator is for development)`);
  }

  const rails = env[`${prefix}RAILS`] ? list(env[`${prefix}RAILS`]) : [...ALL_RAILS];
  const badRails = rails.filter((r) => !(ALL_RAILS as readonly string[]).includes(r));
  if (badRails.length) problems.push(`${prefix}RAILS: unknown rails ${badRails.join(', ')}`);

  const credentials: Record<string, string> = {};
  for (const [suffix, option] of Object.entries(CREDENTIAL_KEYS[name])) {
    const value = env[`${prefix}${suffix}`] ?? '';
    if (value) credentials[option] = value;
    // A real partner's URL without its credentials would only fail at the first call; refuse it now.
    else if (baseUrl !== null && name !== 'sandbox') problems.push(`${prefix}${suffix}: required when ${prefix}BASE_URL is set`);
  }

  const breaker = { ...base.breaker };
  for (const [field, spec] of Object.entries(BREAKER_KEYS) as Array<[keyof BreakerSettings, (typeof BREAKER_KEYS)[keyof BreakerSettings]]>) {
    const v = intOr(env, `${prefix}${spec.suffix}`, spec.min, spec.max, problems);
    if (v !== null) breaker[field] = v;
  }
  const callTimeoutMs = intOr(env, `${prefix}CALL_TIMEOUT_MS`, 50, 120_000, problems) ?? base.callTimeoutMs;
  return { name, baseUrl, rails: rails.filter((r): r is Rail => (ALL_RAILS as readonly string[]).includes(r)), callTimeoutMs, breaker, credentials };
}

function intOr(env: Env, key: string, min: number, max: number, problems: string[]): number | null {
  const raw = env[key];
  if (raw === undefined || raw === '') return null;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    problems.push(`${key}: must be an integer from ${min} to ${max}`);
    return null;
  }
  return n;
}

function list(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
