// Partner circuits as the workers see them, for the console's home page. Breakers live inside worker
// processes; each worker writes its partners' states to one Redis hash every few seconds, and the API
// reads the freshest report per partner. A worker that stops reporting ages out.
import type { Redis } from 'ioredis';
import type { BreakerState } from './partner-breaker.js';

export interface PartnerHealth { partner: string; state: BreakerState; ageSeconds: number }

const REPORT_EVERY_MS = 5_000;
/** Reports older than this are not shown. */
const FRESH_MS = 60_000;

export const partnerHealthKey = (prefix: string) => `${prefix}:partner-health`;

/** The worst state wins when several workers report one partner (one open circuit is news). */
const SEVERITY: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

export function startPartnerHealthReports(redis: Redis, key: string, workerId: string, partners: ReadonlyArray<{ name: string; state(): BreakerState }>): () => void {
  const report = () => {
    const at = Date.now();
    const fields = partners.flatMap((p) => [`${p.name}|${workerId}`, JSON.stringify({ state: p.state(), at })]);
    if (fields.length === 0) return;
    redis.multi().hset(key, ...fields).pexpire(key, FRESH_MS * 2).exec().catch(() => undefined);
  };
  report();
  const timer = setInterval(report, REPORT_EVERY_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    // A stopped worker's fields go with it (one that died is pruned by the readers).
    const fields = partners.map((p) => `${p.name}|${workerId}`);
    if (fields.length > 0) redis.hdel(key, ...fields).catch(() => undefined);
  };
}

export async function readPartnerHealth(redis: Redis, key: string, now = Date.now()): Promise<PartnerHealth[]> {
  const all = await redis.hgetall(key);
  const best = new Map<string, PartnerHealth>();
  const stale: string[] = [];
  for (const [field, value] of Object.entries(all)) {
    const partner = field.split('|')[0]!;
    let parsed: { state?: unknown; at?: unknown };
    try {
      parsed = JSON.parse(value) as typeof parsed;
    } catch {
      continue;
    }
    const state = parsed.state as BreakerState;
    if (typeof parsed.at !== 'number' || !(state in SEVERITY)) continue;
    if (now - parsed.at > FRESH_MS) {
      // A worker that died without saying so: its field would stay while others keep the hash alive.
      stale.push(field);
      continue;
    }
    const seen = best.get(partner);
    const ageSeconds = Math.max(0, Math.round((now - parsed.at) / 1000));
    if (!seen || SEVERITY[state] > SEVERITY[seen.state] || (SEVERITY[state] === SEVERITY[seen.state] && ageSeconds < seen.ageSeconds)) {
      best.set(partner, { partner, state, ageSeconds });
    }
  }
  if (stale.length > 0) await redis.hdel(key, ...stale).catch(() => undefined);
  return [...best.values()].sort((a, b) => a.partner.localeCompare(b.partner));
}
