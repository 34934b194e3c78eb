// Adapter for RazorpayX composite Fund Account Validation: one POST creates the contact, the fund
// account and the validation; a GET by `fav_…` id reads a validation later. Own keep-alive pool,
// Basic auth, per-call deadline from the caller, bounded body. It never logs: bodies carry accounts.
//
// Billing safety. Every create carries X-Payout-Idempotency, so a replay after an ambiguous timeout
// returns the validation Razorpay already made instead of billing a second one:
//   - previous call pending or ambiguous, `fav_…` id known  → GET that validation;
//   - previous call ambiguous, id unknown                   → re-send the same body under the same key.
// Razorpay keeps answering a *failed* validation for its key, so after a failure the next attempt
// moves to a new key generation (`<reference>-<n>`): see idempotencyKeyFor and docs/partners/razorpay.md.

import { PartnerRejectedError } from '../partner-errors.js';
import { createPartnerAgent, normalisePartnerBaseUrl, sendPartnerRequest, type PartnerHttpResponse } from '../partner-http.js';
import {
  ALL_RAILS,
  type PartnerCallContext,
  type PartnerConnector,
  type PartnerOutcome,
  type PartnerRequest,
  type Rail,
} from '../partner-types.js';
import {
  buildCompositeRequest,
  classifyErrorAnswer,
  idempotencyKeyFor,
  parseValidationEntity,
  toPartnerOutcome,
} from './razorpay-transformers.js';
import {
  RAZORPAY_FAV_ID,
  RAZORPAY_IDEMPOTENCY_HEADER,
  RAZORPAY_VALIDATION_TYPES,
  RAZORPAY_VALIDATIONS_PATH,
  type RazorpayValidationType,
} from './razorpay-types.js';

export interface RazorpayConnectorOptions {
  baseUrl: string;
  keyId: string;
  keySecret: string;
  /** The RazorpayX Lite customer identifier the validations are charged to. */
  sourceAccountNumber: string;
  /** Default `optimized` (Razorpay picks penny drop or penniless). */
  validationType?: RazorpayValidationType;
  connectTimeoutMs: number;
  /** Backstop for header/body stalls when a caller's signal has no deadline. Default 30 s. */
  responseTimeoutMs?: number;
  /** Default 'razorpay'. */
  name?: string;
  /** Default IMPS, NEFT and UPI. */
  rails?: Rail[];
}

const MAX_RESPONSE_BYTES = 64 * 1024;
// Failed validations remembered per process, to pick the next key generation. Losing them (restart,
// another worker) only costs a replay of an old failure, which Razorpay does not bill.
const MAX_TRACKED_REFERENCES = 10_000;
const MAX_GENERATIONS = 1_000;

export function createRazorpayConnector(opts: RazorpayConnectorOptions): PartnerConnector {
  const baseUrl = normalisePartnerBaseUrl(opts.baseUrl, 'razorpay');
  const validationType = opts.validationType ?? 'optimized';
  if (!RAZORPAY_VALIDATION_TYPES.includes(validationType)) throw new TypeError('razorpay validationType must be pennydrop, penniless or optimized');
  if (opts.sourceAccountNumber.trim() === '') throw new TypeError('razorpay sourceAccountNumber is required');
  const agent = createPartnerAgent({
    connectTimeoutMs: opts.connectTimeoutMs,
    ...(opts.responseTimeoutMs === undefined ? {} : { responseTimeoutMs: opts.responseTimeoutMs }),
  });
  const authorization = `Basic ${Buffer.from(`${opts.keyId}:${opts.keySecret}`, 'utf8').toString('base64')}`;
  const failures = createFailureLog();

  const send = (method: 'GET' | 'POST', path: string, signal: AbortSignal, extra: Record<string, string> = {}, body?: unknown) =>
    sendPartnerRequest({
      dispatcher: agent,
      method,
      url: `${baseUrl}${path}`,
      headers: { authorization, ...extra },
      ...(body === undefined ? {} : { body }),
      signal,
      maxBodyBytes: MAX_RESPONSE_BYTES,
    });

  const settle = (res: PartnerHttpResponse, req: PartnerRequest, expectedId?: string): PartnerOutcome => {
    if (res.statusCode < 200 || res.statusCode > 299) throw classifyErrorAnswer(res.statusCode, res.headers, res.json);
    const entity = parseValidationEntity(res.json, { reference: req.reference, ...(expectedId === undefined ? {} : { id: expectedId }) });
    if (entity.status === 'failed') failures.record(req.reference, entity.id);
    return toPartnerOutcome(entity, req);
  };

  const create = async (req: PartnerRequest, signal: AbortSignal): Promise<PartnerOutcome> => {
    const body = buildCompositeRequest(req, { sourceAccountNumber: opts.sourceAccountNumber, validationType });
    const generation = failures.generation(req.reference);
    if (generation >= MAX_GENERATIONS) throw new PartnerRejectedError(undefined, 'Partner failed this verification too many times');
    const key = idempotencyKeyFor(req.reference, generation);
    const res = await send('POST', RAZORPAY_VALIDATIONS_PATH, signal, { [RAZORPAY_IDEMPOTENCY_HEADER]: key }, body);
    return settle(res, req);
  };

  return {
    name: opts.name ?? 'razorpay',
    rails: opts.rails ? Object.freeze([...opts.rails]) : ALL_RAILS,
    async verify(req: PartnerRequest, { signal, previous }: PartnerCallContext): Promise<PartnerOutcome> {
      const favId = previous?.partnerReference;
      if (favId && RAZORPAY_FAV_ID.test(favId)) {
        const res = await send('GET', `${RAZORPAY_VALIDATIONS_PATH}/${encodeURIComponent(favId)}`, signal);
        // Razorpay not knowing an id it gave us: resolve through the idempotent replay instead,
        // which cannot bill twice.
        if (!refusedLookup(res)) return settle(res, req, favId);
      }
      // No earlier call, or one whose id we never learnt: the replay under the same key is the lookup.
      return create(req, signal);
    },
    close: () => agent.close(),
  };
}

function refusedLookup(res: PartnerHttpResponse): boolean {
  if (res.statusCode !== 400 && res.statusCode !== 404) return false;
  return classifyErrorAnswer(res.statusCode, res.headers, res.json) instanceof PartnerRejectedError;
}

/** Per reference, the distinct failed validations seen; their count is the next key generation. */
function createFailureLog() {
  const seen = new Map<string, Set<string>>();
  return {
    generation: (reference: string): number => seen.get(reference)?.size ?? 0,
    record(reference: string, favId: string): void {
      let ids = seen.get(reference);
      if (ids === undefined) {
        if (seen.size >= MAX_TRACKED_REFERENCES) {
          const oldest = seen.keys().next();
          if (!oldest.done) seen.delete(oldest.value);
        }
        ids = new Set();
        seen.set(reference, ids);
      }
      // Counting distinct ids, not sightings: a replayed failure must not skip a generation that
      // another call may already be using.
      ids.add(favId);
    },
  };
}
