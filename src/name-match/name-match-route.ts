import { Router } from 'express';
import { requireAuth } from '../platform/http-context.js';
import type { TenantSettingsStore } from '../tenants/tenant-settings.js';
import { matchPayeeNames } from './name-matcher.js';

/** `POST /v1/name-match`: the matcher on its own, with the tenant's thresholds; no partner call. */
export function nameMatchRoute(settings: TenantSettingsStore): Router {
  const router = Router();
  router.post('/v1/name-match', async (req, res) => {
    const auth = requireAuth(req);
    const { name_1: a, name_2: b } = req.body as { name_1: string; name_2: string };
    const thresholds = (await settings.get(auth.tenantId)).nameMatch;
    const m = matchPayeeNames(a, b, thresholds);
    res.json({ object: 'name_match', score: m.score, result: m.result, reasons: m.reasons, flags: m.flags, thresholds: { match: thresholds.match, close_match: thresholds.closeMatch } });
  });
  return router;
}
