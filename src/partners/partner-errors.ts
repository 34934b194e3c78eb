// Errors a partner call can end in. Messages are fixed strings chosen here: they never carry an
// account number or anything the partner sent back, because these errors reach logs and job records.

/**
 * `partner.bank_unavailable`: the partner answered, but the beneficiary bank, NPCI or the partner's
 * own bank link could not be reached (Cashfree's BENEFICIARY_BANK_OFFLINE, Razorpay's
 * gateway_technical_error…). Nothing was verified, so it is retried like an outage.
 */
export type PartnerTransientCode = 'partner.timeout' | 'partner.unavailable' | 'partner.bad_response' | 'partner.bank_unavailable';

export abstract class PartnerError extends Error {
  abstract readonly code: string;
}

/**
 * Worth retrying later. `ambiguous` is true when the request may have reached the partner (and may
 * have been billed), so a retry must reuse the same reference rather than count as a fresh call.
 */
export class PartnerTransientError extends PartnerError {
  override readonly name = 'PartnerTransientError';
  readonly code: PartnerTransientCode;
  readonly ambiguous: boolean;

  constructor(
    code: PartnerTransientCode,
    opts: { ambiguous?: boolean; message?: string; cause?: unknown } = {},
  ) {
    super(opts.message ?? defaultTransientMessage(code), opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    // Defaulting to "may have been sent" is the safe side: it only costs a de-duplicated retry.
    this.ambiguous = opts.ambiguous ?? true;
  }
}

function defaultTransientMessage(code: PartnerTransientCode): string {
  switch (code) {
    case 'partner.timeout':
      return 'Partner did not answer in time';
    case 'partner.unavailable':
      return 'Partner is unavailable';
    case 'partner.bad_response':
      return 'Partner sent an unusable response';
    case 'partner.bank_unavailable':
      return 'Partner could not reach the bank';
  }
}

export const DEFAULT_RETRY_AFTER_MS = 1000;

export class PartnerRateLimitedError extends PartnerError {
  override readonly name = 'PartnerRateLimitedError';
  readonly code = 'partner.rate_limited' as const;
  readonly retryAfterMs: number;

  constructor(retryAfterMs: number = DEFAULT_RETRY_AFTER_MS, message = 'Partner rate limit reached') {
    super(message);
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * The partner cannot be used until an operator acts: credentials refused (401), IP not allow-listed
 * (403), or our prepaid balance with the partner ran out. The router stops using the partner for a
 * while and logs an error; other partners take the traffic.
 */
export type PartnerAuthReason = 'credentials' | 'forbidden' | 'insufficient_balance';

export class PartnerAuthError extends PartnerError {
  override readonly name = 'PartnerAuthError';
  readonly code = 'partner.auth_failed' as const;
  readonly httpStatus: number | undefined;
  readonly reason: PartnerAuthReason;

  constructor(httpStatus?: number, message = 'Partner refused our credentials', reason?: PartnerAuthReason) {
    super(message);
    this.httpStatus = httpStatus;
    this.reason = reason ?? (httpStatus === 403 ? 'forbidden' : 'credentials');
  }
}

/** The partner refused what we sent (a 4xx other than auth/rate limit): retrying the same call won't help. */
export class PartnerRejectedError extends PartnerError {
  override readonly name = 'PartnerRejectedError';
  readonly code = 'partner.rejected' as const;
  readonly httpStatus: number | undefined;

  constructor(httpStatus?: number, message = 'Partner rejected the request') {
    super(message);
    this.httpStatus = httpStatus;
  }
}

/**
 * The partner answered, but its answer cannot be stored as it is (a reference that is empty, too long
 * for its column, unprintable or echoes the account number; a status outside the contract). Asking
 * again would get the same answer and may be billed again, so the validation fails once, at once.
 * Names the field and the problem only: the value came from the partner.
 */
export class PartnerAnswerError extends PartnerError {
  override readonly name = 'PartnerAnswerError';
  readonly code = 'partner.bad_response' as const;
  readonly field: string;
  readonly problem: string;
  /** Whether the partner charges for the answer that could not be stored (usage metering counts it). */
  readonly billed: boolean;

  constructor(field: string, problem: string, billed = true) {
    super(`Partner answer cannot be stored: ${field} (${problem})`);
    this.field = field;
    this.problem = problem;
    this.billed = billed;
  }
}

/** Raised without contacting the partner: nothing was sent, so nothing is ambiguous. */
export class PartnerCircuitOpenError extends PartnerError {
  override readonly name = 'PartnerCircuitOpenError';
  readonly code = 'partner.circuit_open' as const;
  readonly partner: string;

  constructor(partner: string) {
    super(`Circuit for partner ${partner} is open`);
    this.partner = partner;
  }
}

export function isTransient(e: unknown): boolean {
  return e instanceof PartnerTransientError;
}

/**
 * A partner answer that does not match its contract. Names the offending field only: its value came
 * from the partner and stays out of errors. Ambiguous, since the partner may have done the check.
 */
export function partnerSchemaError(field: string): PartnerTransientError {
  return new PartnerTransientError('partner.bad_response', {
    ambiguous: true,
    message: `Partner response failed schema check at ${field}`,
  });
}
