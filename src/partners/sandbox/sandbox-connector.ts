// Adapter for the sandbox partner's HTTP contract. It speaks to the simulator exactly as a real
// adapter speaks to a bank partner: own keep-alive pool, per-call deadline from the caller, bounded
// body, hand-checked schema.
//
// Ambiguous outcomes: the sandbox de-duplicates by `reference` (payval's validation id) and replays
// the stored answer without billing again, so after a timeout payval simply sends the same call.

import { partnerSchemaError } from '../partner-errors.js';
import { createPartnerAgent, normalisePartnerBaseUrl, postPartnerJson } from '../partner-http.js';
import {
  ALL_RAILS,
  type AccountStatus,
  type AccountStatusReason,
  type PartnerCallContext,
  type PartnerConnector,
  type PartnerOutcome,
  type PartnerRequest,
  type PartnerResult,
  type Rail,
} from '../partner-types.js';
import type { SandboxStatus } from './sandbox-rules.js';

export interface SandboxConnectorOptions {
  baseUrl: string;
  apiKey?: string;
  connectTimeoutMs: number;
  /** Default 'sandbox'. */
  name?: string;
  /** Rails this partner is used for; default all three. */
  rails?: readonly Rail[];
  /**
   * Backstop for headers/body stalls when a caller's signal has no deadline. Default 30 s; the
   * caller's AbortSignal.timeout is what normally ends a slow call.
   */
  responseTimeoutMs?: number;
}

// Record over the partner's union: a status added to SandboxStatus fails to compile until mapped.
const STATUS_MAP: Record<SandboxStatus, { status: AccountStatus; reason: AccountStatusReason | null }> = {
  VALID: { status: 'valid', reason: null },
  INVALID: { status: 'invalid', reason: 'account_not_found' },
  BLOCKED: { status: 'blocked', reason: 'account_blocked' },
  CLOSED: { status: 'closed', reason: 'account_closed' },
  NRE: { status: 'nre', reason: 'nre_account' },
};

const MAX_RESPONSE_BYTES = 64 * 1024;
export function createSandboxConnector(opts: SandboxConnectorOptions): PartnerConnector {
  const baseUrl = normalisePartnerBaseUrl(opts.baseUrl, 'sandbox');
  const agent = createPartnerAgent({
    connectTimeoutMs: opts.connectTimeoutMs,
    ...(opts.responseTimeoutMs === undefined ? {} : { responseTimeoutMs: opts.responseTimeoutMs }),
  });
  const headers: Record<string, string> = opts.apiKey === undefined ? {} : { 'x-api-key': opts.apiKey };

  return {
    name: opts.name ?? 'sandbox',
    rails: opts.rails ?? ALL_RAILS,
    // `ctx.previous` needs no special call: the same reference replays the stored answer.
    async verify(req: PartnerRequest, { signal }: PartnerCallContext): Promise<PartnerOutcome> {
      const { path, body } = toSandboxCall(req);
      const json = await postPartnerJson({
        dispatcher: agent,
        url: `${baseUrl}${path}`,
        headers,
        body,
        signal,
        maxBodyBytes: MAX_RESPONSE_BYTES,
      });
      return { kind: 'answered', result: toPartnerResult(json, req.reference) };
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
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw partnerSchemaError('body');
  const dto = json as Record<string, unknown>;
  const { status, name_at_bank: name, sandbox_reference: partnerReference, reference } = dto;

  if (typeof status !== 'string' || !isSandboxStatus(status)) throw partnerSchemaError('status');
  // Types only: what the strings may contain and how long they may be is decided for every partner
  // alike in partner-answer.ts.
  if (name !== null && typeof name !== 'string') throw partnerSchemaError('name_at_bank');
  if (typeof partnerReference !== 'string') throw partnerSchemaError('sandbox_reference');
  // An answer for another reference means crossed wires somewhere; trusting it could mislabel a payee.
  if (reference !== undefined && reference !== expectedReference) throw partnerSchemaError('reference');

  const mapped = STATUS_MAP[status];
  return { accountStatus: mapped.status, statusReason: mapped.reason, registeredName: name, partnerReference };
}

function isSandboxStatus(value: string): value is SandboxStatus {
  return Object.hasOwn(STATUS_MAP, value);
}
