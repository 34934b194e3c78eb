// Adapter for the sandbox partner's HTTP contract. It speaks to the simulator exactly as a real
// adapter speaks to a bank partner: own keep-alive pool, per-call deadline from the caller, bounded
// body, hand-checked schema.

import { Agent } from 'undici';
import { PartnerTransientError } from '../partner-errors.js';
import { postPartnerJson } from '../partner-http.js';
import type { AccountStatus, PartnerConnector, PartnerRequest, PartnerResult, Rail } from '../partner-types.js';
import type { SandboxStatus } from './sandbox-rules.js';

export interface SandboxConnectorOptions {
  baseUrl: string;
  apiKey?: string;
  connectTimeoutMs: number;
  /** Default 'sandbox'. */
  name?: string;
  /**
   * Backstop for headers/body stalls when a caller's signal has no deadline. Default 30 s; the
   * caller's AbortSignal.timeout is what normally ends a slow call.
   */
  responseTimeoutMs?: number;
}

// Record over the partner's union: a status added to SandboxStatus fails to compile until mapped.
const STATUS_MAP: Record<SandboxStatus, AccountStatus> = {
  VALID: 'valid',
  INVALID: 'invalid',
  BLOCKED: 'blocked',
  CLOSED: 'closed',
  NRE: 'nre',
};

const MAX_RESPONSE_BYTES = 64 * 1024;
const MAX_FIELD_LENGTH = 256;
const RAILS: readonly Rail[] = Object.freeze(['IMPS', 'NEFT', 'UPI'] as const);

export function createSandboxConnector(opts: SandboxConnectorOptions): PartnerConnector {
  const baseUrl = normaliseBaseUrl(opts.baseUrl);
  const responseTimeoutMs = opts.responseTimeoutMs ?? 30_000;
  const agent = new Agent({
    connect: { timeout: opts.connectTimeoutMs },
    headersTimeout: responseTimeoutMs,
    bodyTimeout: responseTimeoutMs,
    // Below Node's default 5 s server keep-alive, so we rarely reuse a socket the server is closing.
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 30_000,
  });
  const headers: Record<string, string> = opts.apiKey === undefined ? {} : { 'x-api-key': opts.apiKey };

  return {
    name: opts.name ?? 'sandbox',
    rails: RAILS,
    async verify(req: PartnerRequest, signal: AbortSignal): Promise<PartnerResult> {
      const { path, body } = toSandboxCall(req);
      const json = await postPartnerJson({
        dispatcher: agent,
        url: `${baseUrl}${path}`,
        headers,
        body,
        signal,
        maxBodyBytes: MAX_RESPONSE_BYTES,
      });
      return toPartnerResult(json, req.reference);
    },
    close: () => agent.close(),
  };
}

function toSandboxCall(req: PartnerRequest): { path: string; body: Record<string, string> } {
  if (req.type === 'bank_account') {
    return {
      path: '/v1/verifications/bank-account',
      body: { reference: req.reference, account_number: req.accountNumber, ifsc: req.ifsc, rail: req.rail },
    };
  }
  return { path: '/v1/verifications/vpa', body: { reference: req.reference, vpa: req.vpa } };
}

function toPartnerResult(json: unknown, expectedReference: string): PartnerResult {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw badResponse('body');
  const dto = json as Record<string, unknown>;
  const { status, name_at_bank: name, sandbox_reference: partnerReference, reference } = dto;

  if (typeof status !== 'string' || !isSandboxStatus(status)) throw badResponse('status');
  if (name !== null && (typeof name !== 'string' || name.length > MAX_FIELD_LENGTH)) throw badResponse('name_at_bank');
  if (typeof partnerReference !== 'string' || partnerReference === '' || partnerReference.length > MAX_FIELD_LENGTH) {
    throw badResponse('sandbox_reference');
  }
  // An answer for another reference means crossed wires somewhere; trusting it could mislabel a payee.
  if (reference !== undefined && reference !== expectedReference) throw badResponse('reference');

  const trimmed = name?.trim() ?? '';
  return {
    accountStatus: STATUS_MAP[status],
    registeredName: trimmed === '' ? null : trimmed,
    partnerReference,
  };
}

function isSandboxStatus(value: string): value is SandboxStatus {
  return Object.hasOwn(STATUS_MAP, value);
}

// Names the offending field only; its value came from the partner and stays out of errors.
function badResponse(field: string): PartnerTransientError {
  return new PartnerTransientError('partner.bad_response', {
    ambiguous: true,
    message: `Partner response failed schema check at ${field}`,
  });
}

function normaliseBaseUrl(raw: string): string {
  const url = new URL(raw);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError('Sandbox partner baseUrl must be http(s)');
  }
  return url.href.replace(/\/+$/, '');
}
