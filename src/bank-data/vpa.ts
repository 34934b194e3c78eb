const VPA = /^[a-z0-9][a-z0-9._-]{1,255}@[a-z][a-z0-9.-]{1,63}$/;

export function normalizeVpa(raw: string): string {
  return raw.trim().toLowerCase();
}

export function isValidVpa(vpa: string): boolean {
  return VPA.test(vpa);
}
