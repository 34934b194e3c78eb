import type { Db, Trx } from './db.js';

export interface AuditEntry {
  tenantId: string | null;
  /** `api_key:<id>`, `user:<id>` (the console), `cli`, or `system` — never a secret. */
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
  requestId?: string | null;
  /** Must not contain PII: ids, counts and codes only. */
  details?: Record<string, string | number | boolean | null>;
}

const auditRow = (entry: AuditEntry, now: Date) => ({
  tenant_id: entry.tenantId,
  actor: entry.actor,
  action: entry.action,
  target_type: entry.targetType,
  target_id: entry.targetId,
  request_id: entry.requestId ?? null,
  details: entry.details ? JSON.stringify(entry.details) : null,
  created_at: now,
});

/** Append-only: the table has triggers that refuse UPDATE and DELETE. */
export async function appendAudit(db: Db | Trx, entry: AuditEntry): Promise<void> {
  await appendAudits(db, [entry]);
}

/** Several entries in one multi-row INSERT (a group commit's requests). */
export async function appendAudits(db: Db | Trx, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const now = new Date();
  await db('audit_log').insert(entries.map((e) => auditRow(e, now)));
}
