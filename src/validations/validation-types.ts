import type { AccountStatus, AccountStatusReason, Rail } from '../partners/partner-types.js';
import type { NameMatchFlag, NameMatchReason } from '../name-match/name-matcher.js';

export type NameMatchResult = 'match' | 'close_match' | 'no_match' | 'not_checked';

export type ValidationStatus = 'queued' | 'processing' | 'completed' | 'failed';
export type PayeeType = 'bank_account' | 'vpa';

export const isFinal = (s: ValidationStatus): boolean => s === 'completed' || s === 'failed';

export interface Validation {
  id: string;
  tenantId: string;
  /** Created with a live key (real partners) or a test key (sandbox only); fixed for life. */
  livemode: boolean;
  type: PayeeType;
  rail: Rail;
  status: ValidationStatus;
  accountCiphertext: string | null;
  accountBlindIndex: string | null;
  accountLast4: string | null;
  ifsc: string | null;
  bankName: string | null;
  vpa: string | null;
  expectedName: string | null;
  referenceId: string | null;
  metadata: Record<string, string> | null;
  /** One-off webhook target given at creation, signed with the tenant's default secret. */
  webhookUrl: string | null;
  batchId: string | null;
  /** Input rows of the batch that share this validation (in-batch duplicates); 1 outside batches. */
  batchRowCount: number;
  accountStatus: AccountStatus | null;
  statusReason: AccountStatusReason | null;
  registeredName: string | null;
  nameMatchScore: number | null;
  nameMatchResult: NameMatchResult | null;
  nameMatchReasons: NameMatchReason[] | null;
  /** The matcher's signals; null on rows completed before they existed. */
  nameMatchFlags: NameMatchFlag[] | null;
  /** How old a reused partner answer may be (seconds); 0 or null: always ask a partner. */
  maxAgeSeconds: number | null;
  /** The result was copied from `reusedFrom`'s partner answer instead of a call of its own. */
  cached: boolean;
  reusedFrom: string | null;
  /** When the partner gave the answer this result rests on (earlier than completedAt when cached). */
  verifiedAt: Date | null;
  partner: string | null;
  partnerReference: string | null;
  /** Set while an earlier call to `partner` must be resolved before any other partner is tried. */
  partnerFollowup: PartnerFollowup | null;
  partnerHoldUntil: Date | null;
  failureCode: string | null;
  failureMessage: string | null;
  attempts: number;
  /**
   * Spend-cap slots reserved for this validation's calls (docs/decisions/0037), held until it is final
   * and then given back to its tenant's quota (the count stays on the row); 0 outside capped tenants.
   */
  quotaReserved: number;
  createdAt: Date;
  updatedAt: Date;
  processingStartedAt: Date | null;
  completedAt: Date | null;
  /** When retention or an erasure request removed its personal data (src/privacy/purge-plan.ts); null: not purged. */
  purgedAt: Date | null;
}

export type PartnerFollowup = 'ambiguous' | 'pending';

export interface CompletedResult {
  accountStatus: AccountStatus;
  statusReason: AccountStatusReason | null;
  registeredName: string | null;
  nameMatchScore: number | null;
  nameMatchResult: NameMatchResult;
  nameMatchReasons: NameMatchReason[];
  nameMatchFlags: NameMatchFlag[];
  partner: string;
  partnerReference: string;
  verifiedAt: Date;
  /** Set when the answer is reused from another validation. */
  reusedFrom: string | null;
}
