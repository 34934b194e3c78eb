import { Router } from 'express';
import { requireAuth } from '../platform/http-context.js';
import { AppError } from '../platform/app-error.js';
import { appendAudit } from '../platform/audit-store.js';
import type { Db } from '../platform/db.js';
import type { TenantSettings, TenantSettingsPatch, TenantSettingsStore } from './tenant-settings.js';

const view = (s: TenantSettings) => ({
  object: 'settings' as const,
  reuse_max_age_seconds: s.reuseMaxAgeSeconds,
  name_match: { match_threshold: s.nameMatch.match, close_match_threshold: s.nameMatch.closeMatch },
});

interface SettingsBody {
  reuse_max_age_seconds?: number | null;
  name_match?: { match_threshold: number; close_match_threshold: number } | null;
}

/** The tenant's own policy: default answer reuse age and name-match thresholds, one for both modes. */
export function settingsRoutes(settings: TenantSettingsStore, db: Db): Router {
  const router = Router();
  router.get('/v1/settings', async (req, res) => {
    res.json(view(await settings.get(requireAuth(req).tenantId)));
  });
  router.patch('/v1/settings', async (req, res) => {
    const auth = requireAuth(req);
    // Settings steer live payouts (a match threshold of 0, reuse of week-old answers), and test keys live
    // in developers' laptops and CI: only a live key may change them. Both may read them.
    if (auth.mode !== 'live') throw new AppError('settings.live_key_required', 'Settings apply to live payouts: change them with a live key (pv_live_…).');
    const body = req.body as SettingsBody;
    const patch: TenantSettingsPatch = {};
    if (body.reuse_max_age_seconds !== undefined) patch.reuseMaxAgeSeconds = body.reuse_max_age_seconds;
    if (body.name_match !== undefined) {
      const nm = body.name_match;
      if (nm && nm.close_match_threshold > nm.match_threshold) {
        throw new AppError('request.invalid', 'close_match_threshold must not exceed match_threshold.', { details: { field: 'name_match.close_match_threshold' } });
      }
      patch.nameMatch = nm ? { match: nm.match_threshold, closeMatch: nm.close_match_threshold } : null;
    }
    const updated = await settings.update(auth.tenantId, patch);
    await appendAudit(db, {
      tenantId: auth.tenantId,
      actor: auth.actor,
      action: 'settings.updated',
      targetType: 'tenant',
      targetId: auth.tenantId,
      requestId: req.requestId,
      details: { reuse_max_age_seconds: updated.reuseMaxAgeSeconds, match_threshold: updated.nameMatch.match, close_match_threshold: updated.nameMatch.closeMatch },
    });
    res.json(view(updated));
  });
  return router;
}
