/** Failure texts shown to clients: fixed sentences, never a partner's raw answer. */
const FAILURE_MESSAGES: Record<string, string> = {
  'partner.timeout': 'The bank partner did not answer in time, on every attempt.',
  'partner.unavailable': 'The bank partner was unavailable on every attempt.',
  'partner.bad_response': 'The bank partner answered with something payval could not read or store.',
  'partner.bank_unavailable': "The bank partner could not reach the payee's bank, on every attempt.",
  'partner.rate_limited': 'The bank partner kept rate-limiting payval until the validation ran out of time.',
  'partner.circuit_open': 'The bank partner was failing and payval stopped calling it; retry later.',
  'partner.auth_failed': 'payval could not authenticate with the bank partner.',
  'partner.rejected': 'The bank partner refused the request.',
  'validation.attempts_exhausted': 'The validation could not be completed after the maximum number of attempts.',
  'validation.expired': 'The validation was still unfinished when its retention period ended; its personal data was purged.',
  'validation.erased': 'The validation was stopped by an erasure request for its payee.',
  'internal.error': 'The validation could not be completed.',
};

export function failureMessage(code: string): string {
  return FAILURE_MESSAGES[code] ?? FAILURE_MESSAGES['internal.error']!;
}
