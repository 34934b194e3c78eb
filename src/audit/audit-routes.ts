// The tenant's audit log through the API: the same keyset query as the console's audit page
// (platform/audit-query.ts), one page as JSON or a bounded range as streamed CSV. audit_log has no
// livemode, so a test key and a live key read the same log; both see only their own tenant's entries.
import { Router, type Request } from 'express';
import type { Db } from '../platform/db.js';
import { requireAuth } from '../platform/http-context.js';
import { leaveAdmission } from '../platform/admission.js';
import { auditRange, queryAudit } from '../platform/audit-query.js';
import { encodeCursor } from '../platform/pagination.js';
import { toAuditEventView } from './audit-event-view.js';
import { asApiError, auditCursor, auditFilter, exportFilter } from './audit-params.js';
import { streamAuditCsv } from './audit-export.js';

const query = (req: Request): Record<string, unknown> => req.query as Record<string, unknown>;

/** Runs `work`, naming the shared query's input errors as the API does. */
async function apiErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw asApiError(err);
  }
}

export function auditRoutes(db: Db): Router {
  const router = Router();

  router.get('/v1/audit-events', async (req, res) => {
    const { tenantId } = requireAuth(req);
    const q = query(req);
    const page = await apiErrors(() => queryAudit(db, tenantId, auditFilter(q), auditCursor(q), Number(q.limit ?? 20)));
    // A filtered page that stopped at the scan window has fewer rows than `limit` yet more to look at.
    res.json({ object: 'list', data: page.entries.map(toAuditEventView), has_more: page.next !== null, next_cursor: page.next === null ? null : encodeCursor(page.next) });
  });

  router.get('/v1/audit-events/export', async (req, res) => {
    const { tenantId } = requireAuth(req);
    const filter = await apiErrors(async () => exportFilter(query(req)));
    // The range is found before the first byte, so a failure here is still an ordinary error answer.
    const range = await auditRange(db, tenantId, filter);
    res.status(200);
    res.set('Content-Type', 'text/csv; charset=utf-8');
    res.set('Content-Disposition', `attachment; filename="audit-events-${filter.from}-${filter.to}.csv"`);
    // A download lasts as long as the client reads: it must not hold one of the API's admission places.
    leaveAdmission(req);
    await streamAuditCsv(db, tenantId, filter, range, res);
  });

  return router;
}
