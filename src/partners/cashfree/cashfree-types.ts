// Cashfree Verification API (Secure ID) DTOs: Bank Account Verification v2 and UPI Verification v2.
// Field names and enumerations as Cashfree documents them; see docs/partners/cashfree.md for sources.
// The value lists are arrays so tests can iterate them and the transformers can key exhaustive
// Record tables on the derived unions: a value added here fails to compile until it is mapped.

/** `account_status` of BAV v2 (sync, async and Get BAV Status v2). */
export const CASHFREE_ACCOUNT_STATUSES = [
  'VALID',
  'INVALID',
  'RECEIVED',
  'FAILED',
  'REJECTED',
  'APPROVAL_PENDING',
  'PARTIALLY_APPROVED',
  'IN_PROCESS',
  'CANCELLED',
  'PROCESSING',
  'MANUALLY_REJECTED',
] as const;
export type CashfreeAccountStatus = (typeof CASHFREE_ACCOUNT_STATUSES)[number];

/**
 * `account_status_code` of BAV v2. The response schema lists the first sixteen; BAV_BLOCKED appears
 * only in Get BAV Status v2's response-code table, so it is accepted too.
 */
export const CASHFREE_ACCOUNT_STATUS_CODES = [
  'ACCOUNT_IS_VALID',
  'FRAUD_ACCOUNT',
  'FAILED_AT_BANK',
  'NPCI_UNAVAILABLE',
  'CONNECTION_TIMEOUT',
  'SOURCE_BANK_DECLINED',
  'BENE_BANK_DECLINED',
  'IMPS_MODE_FAIL',
  'BENEFICIARY_BANK_OFFLINE',
  'VALIDATION_IN_PROGRESS',
  'INVALID_ACCOUNT_FAIL',
  'INVALID_IFSC_FAIL',
  'VERIFICATION_ALREADY_UNDER_PROCESS',
  'NRE_ACCOUNT_FAIL',
  'ACCOUNT_BLOCKED',
  'INSUFFICIENT_BALANCE',
  'BAV_BLOCKED',
] as const;
export type CashfreeAccountStatusCode = (typeof CASHFREE_ACCOUNT_STATUS_CODES)[number];

/** `name_match_result` of BAV v2 (only present when a `name` was sent; payval sends none). */
export const CASHFREE_NAME_MATCH_RESULTS = [
  'DIRECT_MATCH',
  'GOOD_PARTIAL_MATCH',
  'MODERATE_PARTIAL_MATCH',
  'POOR_PARTIAL_MATCH',
  'NO_MATCH',
] as const;
export type CashfreeNameMatchResult = (typeof CASHFREE_NAME_MATCH_RESULTS)[number];

/** `status` of UPI Verification v2 and its Get Status. */
export const CASHFREE_UPI_STATUSES = ['VALID', 'INVALID', 'EXPIRED', 'NPCI_NAME_INCORRECT'] as const;
export type CashfreeUpiStatus = (typeof CASHFREE_UPI_STATUSES)[number];

/** POST /bank-account/sync. */
export interface CashfreeBavSyncRequest {
  /** 6–40 alphanumerics. */
  bank_account: string;
  /** 11 characters, the fifth a `0`. */
  ifsc: string;
  /** Optional; enables Cashfree's name match. Alphanumerics, space, `. - / &`, up to 100. */
  name?: string;
  /** Optional; 8–13 digits. */
  phone?: string;
}

/** POST /bank-account/async: the sync body plus the caller's own id, which the status lookup accepts. */
export interface CashfreeBavAsyncRequest extends CashfreeBavSyncRequest {
  /** Alphanumerics and `_`, up to 40. */
  user_id: string;
}

export interface CashfreeIfscDetails {
  bank?: string;
  ifsc?: string;
  ifsc_subcode?: string;
  address?: string;
  city?: string;
  state?: string;
  branch?: string;
  category?: string;
  swift_code?: string;
  micr?: number;
  nbin?: number;
}

/** Answer of the sync call, the async call (only the first four fields) and GET /bank-account. */
export interface CashfreeBavResponse {
  /** Cashfree's id (int64). */
  reference_id: number;
  user_id?: string;
  name_at_bank?: string | null;
  bank_name?: string;
  utr?: string;
  city?: string;
  branch?: string;
  micr?: number;
  /** A decimal string such as "90.00". */
  name_match_score?: string;
  name_match_result?: CashfreeNameMatchResult;
  account_status: CashfreeAccountStatus;
  account_status_code?: CashfreeAccountStatusCode;
  ifsc_details?: CashfreeIfscDetails;
}

/** POST /upi (UPI Verification v2). */
export interface CashfreeUpiRequest {
  /** Alphanumerics and `. - _`, up to 50; unique per verification. */
  verification_id: string;
  vpa: string;
  /** Optional. Alphanumerics, space, `.` and `-`, up to 100. */
  name?: string;
}

/** Answer of POST /upi and GET /upi. */
export interface CashfreeUpiResponse {
  verification_id?: string;
  reference_id: number;
  status: CashfreeUpiStatus;
  vpa?: string;
  name_at_bank?: string | null;
}

/** Every non-2xx answer of the Verification API. */
export interface CashfreeErrorBody {
  /** e.g. `validation_error`. */
  type?: string;
  /** e.g. `duplicate_verification_id`. */
  code?: string;
  message?: string;
}
