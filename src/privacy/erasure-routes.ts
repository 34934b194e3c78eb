import { Router } from 'express';
import { requireAuth } from '../platform/http-context.js';
import { scopeOf } from '../platform/mode-scope.js';
import { toErasureView, type ErasureBody, type ErasureService } from './erasure-service.js';

/** Erasure of one payee's personal data in the tenant (src/privacy/erasure-service.ts). */
export function erasureRoutes(erasures: ErasureService): Router {
  const router = Router();
  router.post('/v1/erasure-requests', async (req, res) => {
    const auth = requireAuth(req);
    const request = await erasures.create(scopeOf(auth), auth.actor, req.body as ErasureBody, req.requestId);
    res.status(202).json(toErasureView(request));
  });
  router.get('/v1/erasure-requests/:id', async (req, res) => {
    res.json(toErasureView(await erasures.get(scopeOf(requireAuth(req)), String(req.params.id))));
  });
  return router;
}
