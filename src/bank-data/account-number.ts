const ACCOUNT_NUMBER = /^\d{9,18}$/;

export function normalizeAccountNumber(raw: string): string {
  return raw.trim().replace(/[\s-]/g, '');
}

export function isValidAccountNumber(n: string): boolean {
  return ACCOUNT_NUMBER.test(n);
}

export function last4(n: string): string {
  return n.slice(-4);
}

// Fixed-width prefix so the mask never reveals how long the account number is.
export function maskAccountNumber(n: string): string {
  return 'XXXXXX' + last4(n);
}
