// RazorpayX composite Fund Account Validation, emulated: `POST /v1/fund_accounts/validations`
// (bank_account or vpa) and `GET /v1/fund_accounts/validations/:id`, Basic auth, Razorpay's error
// envelope, and X-Payout-Idempotency: the same key and body return the same validation (in its
// current state) without billing; the same key with another body is refused as Razorpay documents.
// Outcomes are picked by the sandbox's magic values (decideRazorpayOutcome below and
// docs/partners/razorpay.md). Billing: a validation is charged when created, unless it fails
// (Razorpay reverses failed ones).

import { createHash, randomBytes, randomInt } from 'node:crypto';
import { nameFromVpaLocalPart, SANDBOX_NAMES, SANDBOX_UPI_FALLBACK_NAME } from '../../sandbox/sandbox-rules.js';
import { secretMatches } from '../sim-server.js';
import { BoundedMap, SIM_MAX_TRACKED, type SimProvider, type SimReply, type SimRequest, jsonReply } from '../sim-provider.js';

export interface RazorpaySimOptions {
  /** When both are set, calls must carry them as HTTP Basic credentials. */
  keyId?: string;
  keySecret?: string;
}

const PATH = '/v1/fund_accounts/validations';
const BY_ID = /^\/v1\/fund_accounts\/validations\/([^/]+)$/;
const KEY = /^[A-Za-z0-9_ -]{4,36}$/;
const FLAKY_FAILURES = 2;

type Status = 'created' | 'completed' | 'failed';
interface State {
  status: Status;
  accountStatus: 'active' | 'invalid' | null;
  registeredName: string | null;
  details: { description: string; source: string; reason: string };
}
type Input = { type: 'bank_account'; accountNumber: string } | { type: 'vpa'; vpa: string };
type Plan = { kind: 'hang' } | { kind: 'answer'; state: State; thenOnGet?: State };

interface Stored {
  reference: string | null;
  /** What answers show as `id`: the fav id, or the `answerReference` fault. */
  shownId: string | null;
  state: State;
  thenOnGet: State | undefined;
  body: Record<string, unknown>;
  createdAt: number;
  utr: string;
}

const COMPLETED = { description: 'Validation request is completed', source: 'beneficiary_bank', reason: 'validation_completed' };
const completed = (accountStatus: 'active' | 'invalid', name: string | null): State => ({
  status: 'completed',
  accountStatus,
  registeredName: accountStatus === 'active' ? name : null,
  details: COMPLETED,
});
const failed = (source: string, reason: string, description: string): State => ({
  status: 'failed',
  accountStatus: null,
  registeredName: null,
  details: { description, source, reason },
});
const CREATED: State = {
  status: 'created',
  accountStatus: null,
  registeredName: null,
  details: { description: 'Validation request is created', source: 'internal', reason: 'validation_request_created' },
};
const GATEWAY_ERROR = failed('gateway', 'gateway_technical_error', 'Validation failed due to a temporary technical issue at the partner bank. Please retry after 30 min.');

/** The sandbox's magic values, in Razorpay's vocabulary. `callNumber` counts calls for the reference. */
export function decideRazorpayOutcome(input: Input, callNumber: number): Plan {
  const answer = (state: State, thenOnGet?: State): Plan => ({ kind: 'answer', state, ...(thenOnGet ? { thenOnGet } : {}) });
  let magic: string;
  let name: string;
  if (input.type === 'bank_account') {
    magic = input.accountNumber.slice(-4);
    name = SANDBOX_NAMES[Number.parseInt(input.accountNumber.slice(-1), 10)] ?? SANDBOX_UPI_FALLBACK_NAME;
  } else {
    const at = input.vpa.indexOf('@');
    const local = (at === -1 ? input.vpa : input.vpa.slice(0, at)).toLowerCase();
    magic = { invalid: '0000', timeout: '1111', blocked: '2222', flaky: '5555', pending: '6666' }[local] ?? '';
    name = nameFromVpaLocalPart(local);
  }
  switch (magic) {
    case '0000':
      return answer(completed('invalid', null));
    case '1111':
      return { kind: 'hang' };
    case '2222': // FAV has no "blocked" result: a frozen account is the nearest thing Razorpay reports.
      return answer(failed('beneficiary_bank', 'bank_account_frozen', 'Validation failed as beneficiary account is frozen. Please contact the beneficiary bank.'));
    case '3333': // Sandbox NRE: accounts that cannot take the IMPS credit FAV relies on.
      return answer(failed('beneficiary_bank', 'imps_not_allowed', 'IMPS is not enabled on beneficiary account.'));
    case '4444':
      return answer(failed('beneficiary_bank', 'bank_account_closed', 'Validation failed as the beneficiary account is closed. Please contact the beneficiary bank.'));
    case '5555':
      return answer(callNumber <= FLAKY_FAILURES ? GATEWAY_ERROR : completed('active', name));
    case '6666':
      return answer(CREATED, completed('active', name));
    default:
      return answer(completed('active', name));
  }
}

const rzpError = (status: number, description: string, more: { field?: string | null; reason?: string; source?: string } = {}): SimReply =>
  jsonReply(status, {
    error: {
      code: 'BAD_REQUEST_ERROR',
      description,
      source: more.source ?? 'business',
      step: null,
      reason: more.reason ?? 'input_validation_failed',
      metadata: {},
      field: more.field ?? null,
    },
  });
const UNKNOWN_URL = (): SimReply => rzpError(400, 'The requested URL was not found on the server.', { source: 'NA', reason: 'NA' });

export function createRazorpaySim(opts: RazorpaySimOptions = {}): SimProvider {
  const byId = new BoundedMap<string, Stored>(SIM_MAX_TRACKED);
  const byKey = new BoundedMap<string, { digest: string; id: string }>(SIM_MAX_TRACKED);
  const expectedAuth =
    opts.keyId !== undefined && opts.keySecret !== undefined
      ? `Basic ${Buffer.from(`${opts.keyId}:${opts.keySecret}`, 'utf8').toString('base64')}`
      : null;

  const view = (id: string, s: Stored): Record<string, unknown> => entityJson(id, s);

  return {
    name: 'razorpay',
    referenceOf(req: SimRequest) {
      if (req.path === PATH) {
        const ref = (req.body as { reference_id?: unknown } | undefined)?.reference_id;
        return typeof ref === 'string' ? ref : null;
      }
      const id = BY_ID.exec(req.path)?.[1];
      return id === undefined ? null : (byId.get(id)?.reference ?? null);
    },
    handle(req, ctx) {
      const idMatch = BY_ID.exec(req.path);
      if (req.path !== PATH && !idMatch) return UNKNOWN_URL();
      if (expectedAuth !== null && !secretMatches(req.headers.authorization, expectedAuth)) {
        return jsonReply(401, { error: { code: 'BAD_REQUEST_ERROR', description: 'Authentication failed', source: 'NA', step: 'NA', reason: 'NA', metadata: {} } });
      }
      if (idMatch) {
        if (req.method !== 'GET') return UNKNOWN_URL();
        const id = decodeURIComponent(idMatch[1]!);
        const stored = byId.get(id);
        if (!stored) return rzpError(400, 'The id provided does not exist', { field: 'id' });
        // A pending validation settles by the time it is looked up.
        if (stored.thenOnGet) {
          stored.state = stored.thenOnGet;
          stored.thenOnGet = undefined;
        }
        return jsonReply(200, view(id, stored));
      }
      if (req.method !== 'POST') return UNKNOWN_URL();
      if (req.invalidJson) return rzpError(400, 'The request body is not valid JSON.');

      const key = req.headers['x-payout-idempotency'];
      if (typeof key !== 'string' || key === '') {
        return rzpError(400, 'Idempotency key is missing. Include idempotency header and key in the request.', { field: 'X-Payout-Idempotency', reason: 'null' });
      }
      if (!KEY.test(key)) return rzpError(400, 'Idempotency key is invalid.', { field: 'X-Payout-Idempotency' });
      const parsed = parseComposite(req.body);
      if ('field' in parsed) return rzpError(400, parsed.description, { field: parsed.field });

      const digest = createHash('sha256').update(canonicalJson(req.body)).digest('hex');
      const earlier = byKey.get(key);
      if (earlier) {
        if (earlier.digest !== digest) return rzpError(400, 'Different request body sent for the same Idempotency Header.', { field: null });
        const stored = byId.get(earlier.id);
        if (stored) return jsonReply(200, view(earlier.id, stored));
      }
      if (parsed.sourceAccountNumber.endsWith('0000')) {
        return rzpError(400, 'Your account does not have enough balance to carry out the validation.', { reason: 'insufficient_funds' });
      }

      const plan = decideRazorpayOutcome(parsed.input, ctx.callNumber);
      if (plan.kind === 'hang') return { kind: 'hang' };
      const id = `fav_${randomBytes(7).toString('hex')}`;
      const payee = parsed.input.type === 'bank_account' ? parsed.input.accountNumber : parsed.input.vpa;
      const renamed = (state: State): State => ({ ...state, registeredName: ctx.answer.name(state.registeredName, payee) });
      const stored: Stored = {
        reference: parsed.referenceId,
        shownId: ctx.answer.reference,
        state: renamed(plan.state),
        thenOnGet: plan.thenOnGet && renamed(plan.thenOnGet),
        body: req.body as Record<string, unknown>,
        createdAt: Math.floor(Date.now() / 1000),
        utr: String(randomInt(100_000, 999_999)) + String(randomInt(100_000, 999_999)),
      };
      byId.set(id, stored);
      byKey.set(key, { digest, id });
      if (plan.state.status !== 'failed' && parsed.referenceId !== null) ctx.charge(parsed.referenceId);
      return jsonReply(200, view(id, stored));
    },
    reset: () => {
      byId.clear();
      byKey.clear();
    },
  };
}

function entityJson(id: string, s: Stored): Record<string, unknown> {
  const fa = s.body.fund_account as Record<string, unknown>;
  const contact = fa.contact as Record<string, unknown>;
  const done = s.state.status === 'completed';
  const fundAccount =
    fa.account_type === 'vpa'
      ? { account_type: 'vpa', vpa: fa.vpa }
      : { account_type: 'bank_account', bank_account: { ...(fa.bank_account as Record<string, unknown>), bank_name: 'SIM BANK' } };
  return {
    id: s.shownId ?? id,
    entity: 'fund_account.validation',
    status: s.state.status,
    utr: done ? s.utr : null,
    validation_results: {
      account_status: s.state.accountStatus,
      registered_name: s.state.registeredName,
      details: !done ? null : s.state.accountStatus === 'active' ? 'The beneficiary account is valid.' : 'The beneficiary account is invalid.',
      name_match_score: done && s.state.registeredName !== null ? (s.state.registeredName.toLowerCase() === String(contact.name).toLowerCase() ? 100 : 0) : null,
    },
    status_details: s.state.details,
    reference_id: s.reference,
    notes: s.body.notes ?? {},
    fund_account: {
      id: `fa_${id.slice(4)}`,
      entity: 'fund_account',
      ...fundAccount,
      active: true,
      created_at: s.createdAt,
      contact: { id: `cont_${id.slice(4)}`, entity: 'contact', name: contact.name, type: null, reference_id: null, active: true, created_at: s.createdAt, notes: {} },
    },
  };
}

type Parsed = { sourceAccountNumber: string; referenceId: string | null; input: Input } | { field: string; description: string };

const NAME_CHARS = /^[A-Za-z0-9 ’\-_/(),.]+$/;
const validName = (v: unknown, max: number): boolean =>
  typeof v === 'string' && v.length >= 3 && v.length <= max && NAME_CHARS.test(v) && /[A-Za-z0-9.]$/.test(v);
const obj = (v: unknown): Record<string, unknown> | null =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

/** Request checks with Razorpay's documented limits; `field` names the first offending parameter. */
function parseComposite(body: unknown): Parsed {
  const b = obj(body);
  const bad = (field: string, description: string): Parsed => ({ field, description });
  if (!b) return bad('fund_account', 'The fund account field is required.');
  const src = b.source_account_number;
  if (typeof src !== 'string' || !/^[A-Za-z0-9]{1,40}$/.test(src)) return bad('source_account_number', 'The source account number field is required.');
  if (b.validation_type !== undefined && !['pennydrop', 'penniless', 'optimized'].includes(b.validation_type as string)) {
    return bad('validation_type', 'The selected validation type is invalid.');
  }
  const ref = b.reference_id;
  if (ref !== undefined && ref !== null && (typeof ref !== 'string' || ref.length > 40)) return bad('reference_id', 'The reference id may not be greater than 40 characters.');
  const fa = obj(b.fund_account);
  if (!fa) return bad('fund_account', 'The fund account field is required.');
  const contact = obj(fa.contact);
  if (!contact || !validName(contact.name, 50)) return bad('name', 'The contact name is invalid.');
  let input: Input;
  if (fa.account_type === 'bank_account') {
    const ba = obj(fa.bank_account);
    if (!ba) return bad('bank_account', 'The bank account field is required.');
    if (ba.name !== undefined && !validName(ba.name, 120)) return bad('name', 'The bank account name is invalid.');
    if (typeof ba.ifsc !== 'string' || !/^[A-Za-z]{4}0[A-Za-z0-9]{6}$/.test(ba.ifsc)) return bad('ifsc', 'The IFSC must be 11 characters.');
    if (typeof ba.account_number !== 'string' || !/^[A-Za-z0-9]{5,35}$/.test(ba.account_number)) return bad('account_number', 'The account number format is invalid.');
    input = { type: 'bank_account', accountNumber: ba.account_number };
  } else if (fa.account_type === 'vpa') {
    const address = obj(fa.vpa)?.address;
    if (typeof address !== 'string' || address.length < 3 || address.length > 100 || !/^[A-Za-z0-9.-]+@[A-Za-z0-9.-]+$/.test(address)) {
      return bad('address', 'The vpa address is invalid.');
    }
    input = { type: 'vpa', vpa: address };
  } else {
    return bad('account_type', 'The selected account type is invalid.');
  }
  return { sourceAccountNumber: src, referenceId: typeof ref === 'string' ? ref : null, input };
}

/** Key-order-independent JSON, so "same body" means the same content. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
