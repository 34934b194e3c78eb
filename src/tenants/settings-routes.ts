import { Router } from 'express';
import { requireAuth } from '../platform/http-context.js';
import type { Db } from '../platform/db.js';
import { changeSettings, type TenantSettings, type TenantSettingsPatch, type TenantSettingsStore } from './tenant-settings.js';

const view = (s: TenantSettings) => ({
  object: 'settings' as const,
  reuse_max_age_seconds: s.reuseMaxAgeSeconds,
  name_match: { match_threshold: s.nameMatch.match, close_match_threshold: s.nameMatch.closeMatch },
  retention_days: s.retentionDays,
  daily_call_cap: s.spendCaps.daily,
  monthly_call_cap: s.spendCaps.monthly,
});

interface SettingsBody {
  reuse_max_age_seconds?: number | null;
  name_match?: { match_threshold: number; close_match_threshold: number } | null;
  retention_days?: number | null;
  daily_call_cap?: number | null;
  monthly_call_cap?: number | null;
}

/**
 * The tenant's own policy: default answer reuse age, name-match thresholds and retention, one for both modes.
 * Who may change them and to what is `changeSettings`'s (shared with the console's settings page).
 */
export function settingsRoutes(settings: TenantSettingsStore, db: Db): Router {
  const router = Router();
  router.get('/v1/settings', async (req, res) => {
    res.json(view(await settings.get(requireAuth(req).tenantId)));
  });
  router.patch('/v1/settings', async (req, res) => {
    const auth = requireAuth(req);
    const body = req.body as SettingsBody;
    const patch: TenantSettingsPatch = {};
    if (body.reuse_max_age_seconds !== undefined) patch.reuseMaxAgeSeconds = body.reuse_max_age_seconds;
    if (body.name_match !== undefined) {
      const nm = body.name_match;
      patch.nameMatch = nm ? { match: nm.match_threshold, closeMatch: nm.close_match_threshold } : null;
    }
    if (body.retention_days !== undefined) patch.retentionDays = body.retention_days;
    if (body.daily_call_cap !== undefined || body.monthly_call_cap !== undefined) patch.spendCaps = { daily: body.daily_call_cap, monthly: body.monthly_call_cap };
    const updated = await changeSettings(settings, db, { tenantId: auth.tenantId, mode: auth.mode, actor: auth.actor, via: 'api' }, patch, req.requestId);
    res.json(view(updated));
  });
  return router;
}
