// Razorpay's composite Fund Account Validation contract (RazorpayX), as documented at
// https://razorpay.com/docs/api/x/composite-account-validation/ and the pages listed in
// docs/partners/razorpay.md. Only this adapter sees these types; the rest of payval sees partner-types.

/** `fund_account.validation.status`: `created` → `completed` | `failed`. */
export type RazorpayValidationStatus = 'created' | 'completed' | 'failed';

/**
 * `validation_results.account_status`. The entity and create pages document `active` | `invalid`; the
 * composite entity sample shows `valid`; the reverse-penny-drop page adds `inactive`. All four are
 * accepted. `null` on a `completed` validation means invalid (x/fund-accounts/faqs.md, question 13).
 */
export type RazorpayAccountStatus = 'active' | 'valid' | 'invalid' | 'inactive';

/** `status_details.source` (shared with payout status details). */
export type RazorpayStatusSource = 'gateway' | 'beneficiary_bank' | 'business' | 'internal';

/**
 * `status_details.reason` values payval knows. The FAV pages show `validation_request_created` and
 * `validation_completed`; the failure reasons are the payout status-details vocabulary
 * (errors/x/payout-status-details.md), which FAV shares (`gateway_technical_error` is the documented
 * FAV failure). Unknown reasons are allowed in answers and fall back on `source`.
 */
export type RazorpayStatusReason =
  | 'validation_request_created'
  | 'validation_completed'
  | 'gateway_technical_error'
  | 'gateway_down'
  | 'gateway_timeout'
  | 'beneficiary_bank_failure'
  | 'beneficiary_bank_offline'
  | 'beneficiary_bank_technical_error'
  | 'beneficiary_psp_offline'
  | 'npci_beneficiary_timeout'
  | 'server_error'
  | 'server_error_temporary'
  | 'imps_not_allowed'
  | 'bank_account_closed'
  | 'bank_account_frozen'
  | 'bank_account_invalid'
  | 'beneficiary_account_dormant'
  | 'beneficiary_account_invalid'
  | 'beneficiary_vpa_invalid'
  | 'invalid_ifsc_code'
  | 'beneficiary_bank_rejected'
  | 'transaction_limit_exceeded'
  | 'invalid_beneficiary'
  | 'amount_limit_exhausted_neft'
  | 'insufficient_funds';

/** `validation_type` for bank accounts (composite bank-account page). `optimized` is the default. */
export type RazorpayValidationType = 'pennydrop' | 'penniless' | 'optimized';
export const RAZORPAY_VALIDATION_TYPES: readonly RazorpayValidationType[] = Object.freeze([
  'pennydrop',
  'penniless',
  'optimized',
]);

/** `error.code` values in Razorpay's error envelope (errors.md, errors/x.md). */
export type RazorpayErrorCode = 'BAD_REQUEST_ERROR' | 'BAD_REQUEST_AUTHENTICATION_ERROR' | 'GATEWAY_ERROR' | 'SERVER_ERROR';

/** `error.reason` values of the RazorpayX API errors (api/x/error-codes.md, errors/x.md). */
export type RazorpayErrorReason = 'input_validation_failed' | 'insufficient_funds' | 'server_error' | 'authentication_failed';

/** Header that makes a composite call idempotent: 4–36 characters of `[A-Za-z0-9-_ ]`. */
export const RAZORPAY_IDEMPOTENCY_HEADER = 'X-Payout-Idempotency';
export const RAZORPAY_IDEMPOTENCY_KEY = /^[A-Za-z0-9_ -]{4,36}$/;

/** `reference_id` is at most 40 characters (composite bank-account and VPA pages). */
export const RAZORPAY_MAX_REFERENCE_ID = 40;

export const RAZORPAY_VALIDATIONS_PATH = '/v1/fund_accounts/validations';

/** Entity ids are `fav_` plus Razorpay's id; the bound only keeps a hostile answer out of URLs and rows. */
export const RAZORPAY_FAV_ID = /^fav_[A-Za-z0-9]{1,40}$/;

export interface RazorpayContact {
  name: string;
}

export type RazorpayCompositeFundAccount =
  | { account_type: 'bank_account'; bank_account: { name: string; ifsc: string; account_number: string }; contact: RazorpayContact }
  | { account_type: 'vpa'; vpa: { address: string }; contact: RazorpayContact };

/** Body of `POST /v1/fund_accounts/validations` (composite). */
export interface RazorpayCompositeRequest {
  source_account_number: string;
  /** Sent for bank accounts only: the composite VPA page does not list it. */
  validation_type?: RazorpayValidationType;
  reference_id: string;
  fund_account: RazorpayCompositeFundAccount;
}

/** The fields of a `fund_account.validation` entity payval reads, after the schema check. */
export interface RazorpayValidationEntity {
  id: string;
  status: RazorpayValidationStatus;
  accountStatus: RazorpayAccountStatus | null;
  registeredName: string | null;
  /** Free-form strings: unknown values fall back on documented ones, never crash the mapping. */
  source: string | null;
  reason: string | null;
}

/** Razorpay's error envelope `{ error: { code, description, source, step, reason, metadata, field } }`. */
export interface RazorpayErrorBody {
  code: string | null;
  description: string | null;
  source: string | null;
  reason: string | null;
  field: string | null;
}
