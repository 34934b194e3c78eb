import type { AccountStatus, AccountStatusReason, Rail } from '../partners/partner-types.js';
import type { NameMatchResult } from '../name-match/simple-name-match.js';

export type ValidationStatus = 'queued' | 'processing' | 'completed' | 'failed';
export type PayeeType = 'bank_account' | 'vpa';

export const isFinal = (s: ValidationStatus): boolean => s === 'completed' || s === 'failed';

export interface Validation {
  id: string;
  tenantId: string;
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
  partner: string | null;
  partnerReference: string | null;
  /** Set while an earlier call to `partner` must be resolved before any other partner is tried. */
  partnerFollowup: PartnerFollowup | null;
  partnerHoldUntil: Date | null;
  failureCode: string | null;
  failureMessage: string | null;
  attempts: number;
  createdAt: Date;
  updatedAt: Date;
  processingStartedAt: Date | null;
  completedAt: Date | null;
}

export type PartnerFollowup = 'ambiguous' | 'pending';

export interface CompletedResult {
  accountStatus: AccountStatus;
  statusReason: AccountStatusReason | null;
  registeredName: string | null;
  nameMatchScore: number | null;
  nameMatchResult: NameMatchResult;
  partner: string;
  partnerReference: string;
}
