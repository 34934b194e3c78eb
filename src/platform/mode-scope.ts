import type { KeyMode } from '../tenants/api-key.js';

/**
 * What an API key may see: its tenant's objects of its own mode. Test and live are two worlds inside
 * one tenant (Stripe's model): another mode's object is as absent as another tenant's. Stored objects
 * carry `tenantId` and `livemode`, so each of them is also the scope of whatever derives from it.
 */
export interface ModeScope {
  tenantId: string;
  livemode: boolean;
}

export const isLive = (mode: KeyMode): boolean => mode === 'live';

export function scopeOf(auth: { tenantId: string; mode: KeyMode }): ModeScope {
  return { tenantId: auth.tenantId, livemode: isLive(auth.mode) };
}

/** The WHERE columns of a scoped read; `alias` prefixes them for joined queries. */
export function scopeWhere(scope: ModeScope, alias?: string): Record<string, string | boolean> {
  const p = alias ? `${alias}.` : '';
  return { [`${p}tenant_id`]: scope.tenantId, [`${p}livemode`]: scope.livemode };
}
