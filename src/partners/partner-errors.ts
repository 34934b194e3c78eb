// Errors a partner call can end in. Messages are fixed strings chosen here: they never carry an
// account number or anything the partner sent back, because these errors reach logs and job records.

export type PartnerTransientCode = 'partner.timeout' | 'partner.unavailable' | 'partner.bad_response';

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

export class PartnerAuthError extends PartnerError {
  override readonly name = 'PartnerAuthError';
  readonly code = 'partner.auth_failed' as const;
  readonly httpStatus: number | undefined;

  constructor(httpStatus?: number, message = 'Partner refused our credentials') {
    super(message);
    this.httpStatus = httpStatus;
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
