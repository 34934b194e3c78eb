// How an audit entry looks through the API and in the CSV export. The log holds ids, counts and codes
// (platform/audit-store.ts), and actors are ids (`user:usr_…`, `api_key:key_…`, `cli`, `system`), never
// an e-mail. The log is append-only and can never be purged, so a value some future writer puts in
// `details` by mistake is still shown masked: digit runs that could be an account number keep their
// last four digits, and anything shaped like an e-mail address or a VPA is withheld.
import type { AuditRecord } from '../platform/audit-query.js';
import { maskDigitRuns } from '../platform/logger.js';

export type AuditDetailValue = string | number | boolean | null | AuditDetailValue[] | { [key: string]: AuditDetailValue };

export interface AuditEventView {
  id: string;
  object: 'audit_event';
  actor: string;
  action: string;
  target: { type: string; id: string };
  request_id: string | null;
  details: Record<string, AuditDetailValue> | null;
  created_at: string;
}

/** A payval id (`usr_…`, `key_…`, `whe_…`): shown whole, even where its random part has a run of digits. */
const PAYVAL_ID = /^[a-z]{2,8}_[0-7][0-9A-HJKMNP-TV-Z]{25}$/;
/** `local@domain`: an e-mail address, or a VPA (`name@bank`, often a phone number). */
const ADDRESS_LIKE = /[^\s@"'<>,;()[\]]+@[^\s@"'<>,;()[\]]+/g;
export const WITHHELD = '[withheld]';

export function safeDetailText(text: string): string {
  if (PAYVAL_ID.test(text)) return text;
  return maskDigitRuns(text).replace(ADDRESS_LIKE, WITHHELD);
}

function safeValue(value: unknown): AuditDetailValue {
  if (typeof value === 'string') return safeDetailText(value);
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) >= 1e8 ? safeDetailText(String(value)) : value;
  if (typeof value === 'boolean' || value === null) return value;
  if (Array.isArray(value)) return value.map(safeValue);
  if (typeof value === 'object') return safeObject(value as Record<string, unknown>);
  return null;
}

function safeObject(value: Record<string, unknown>): Record<string, AuditDetailValue> {
  const out: Record<string, AuditDetailValue> = {};
  for (const [k, v] of Object.entries(value)) out[safeDetailText(k)] = safeValue(v);
  return out;
}

/** The stored JSON text as an object, every string in it made safe; null when there is none. */
export function auditDetails(stored: string | null): Record<string, AuditDetailValue> | null {
  if (stored === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored);
  } catch {
    return { unreadable: true };
  }
  if (parsed === null) return null;
  return typeof parsed === 'object' && !Array.isArray(parsed) ? safeObject(parsed as Record<string, unknown>) : { value: safeValue(parsed) };
}

export function toAuditEventView(r: AuditRecord): AuditEventView {
  return {
    id: r.id,
    object: 'audit_event',
    actor: r.actor,
    action: r.action,
    target: { type: r.targetType, id: r.targetId },
    request_id: r.requestId,
    details: auditDetails(r.details),
    created_at: r.createdAt.toISOString(),
  };
}

export const AUDIT_CSV_COLUMNS = ['id', 'created_at', 'actor', 'action', 'target_type', 'target_id', 'request_id', 'details'] as const;

/** One CSV line's cells, in AUDIT_CSV_COLUMNS order; `details` as compact JSON. */
export function auditCsvCells(v: AuditEventView): Array<string | null> {
  return [v.id, v.created_at, v.actor, v.action, v.target.type, v.target.id, v.request_id, v.details === null ? null : JSON.stringify(v.details)];
}
