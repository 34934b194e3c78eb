// The partner boundary: the domain and workers depend on these types only, never on a partner's DTOs.

export type Rail = 'IMPS' | 'NEFT' | 'UPI';
export const ALL_RAILS: readonly Rail[] = Object.freeze(['IMPS', 'NEFT', 'UPI'] as const);

export type AccountStatus = 'valid' | 'invalid' | 'blocked' | 'closed' | 'nre' | 'frozen' | 'dormant';

/**
 * Why a partner gave a negative (or qualified) answer, in payval's words. Each adapter maps every
 * reason code its partner documents onto one of these, or onto an error class (transient, auth…).
 */
export type AccountStatusReason =
  | 'account_not_found'
  | 'invalid_ifsc'
  | 'invalid_vpa'
  | 'vpa_expired'
  | 'account_blocked'
  | 'fraud_suspected'
  | 'account_closed'
  | 'nre_account'
  | 'account_frozen'
  | 'account_dormant';

/** `reference` is payval's validation id, stable across retries so partners can de-duplicate. */
export type PartnerRequest = { reference: string; rail: Rail; expectedName: string | null } & (
  | { type: 'bank_account'; accountNumber: string; ifsc: string }
  | { type: 'vpa'; vpa: string }
);

export interface PartnerResult {
  accountStatus: AccountStatus;
  /** Null for a plain valid answer or where the partner gave no reason. */
  statusReason: AccountStatusReason | null;
  registeredName: string | null;
  partnerReference: string;
}

/**
 * A partner either answers, or accepts the request and answers later (Razorpay's `created`,
 * Cashfree's `RECEIVED`). A pending answer is not a failure: payval asks again with the reference.
 */
export type PartnerOutcome =
  /**
   * `billed: false` when the partner does not charge for this answer (Razorpay reverses failed
   * validations, and some of them still say something about the account); absent means billed.
   */
  | { kind: 'answered'; result: PartnerResult; billed?: boolean }
  | { kind: 'pending'; partnerReference: string | null; retryAfterMs: number | null };

export interface PartnerCallContext {
  /** The per-call deadline. Connectors pass it to every HTTP request they make. */
  signal: AbortSignal;
  /**
   * Set when an earlier call to this same partner for this reference may have reached it: it timed
   * out after the request was sent, or the partner accepted it and said "pending". The connector must
   * then resolve that call (status lookup, or a replay under the same idempotency key) rather than
   * start a new, separately billed verification.
   */
  previous: { partnerReference: string | null } | null;
}

export interface PartnerConnector {
  readonly name: string;
  readonly rails: readonly Rail[];
  /** Resolves with an answer (including negative ones) or "pending"; rejects only with partner errors. */
  verify(req: PartnerRequest, ctx: PartnerCallContext): Promise<PartnerOutcome>;
  close(): Promise<void>;
}
