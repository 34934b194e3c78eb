import type { Db } from '../../src/platform/db.js';

export interface SeedEntry { action: string; at?: Date; details?: unknown }

/**
 * Audit entries written straight to the table, in order (pass them oldest first, so ids and times rise
 * together as they do for real entries); actor `system`, target `test t<n>`, request id `req_seed_<n>`.
 */
export async function seedAudit(db: Db, tenantId: string, rows: SeedEntry[]): Promise<void> {
  const now = new Date();
  for (let i = 0; i < rows.length; i += 1000) {
    await db('audit_log').insert(rows.slice(i, i + 1000).map((r, j) => ({
      tenant_id: tenantId, actor: 'system', action: r.action, target_type: 'test', target_id: `t${i + j}`,
      request_id: `req_seed_${i + j}`, details: r.details === undefined ? null : JSON.stringify(r.details), created_at: r.at ?? now,
    })));
  }
}
