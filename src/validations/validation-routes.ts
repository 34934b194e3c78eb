import { Router, type Request } from 'express';
import { requireAuth } from '../platform/http-context.js';
import { scopeOf } from '../platform/mode-scope.js';
import { requestFingerprint } from '../platform/idempotency.js';
import { isFinal, type ValidationStatus } from './validation-types.js';
import { toValidationView } from './validation-view.js';
import type { CreateValidationInput, ValidationService } from './validation-service.js';

const queryString = (req: Request, name: string): string | undefined => {
  const v = (req.query as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : undefined;
};

/** Thin: the request was already checked against openapi.yaml; the service does the rest. */
export function validationRoutes(service: ValidationService): Router {
  const router = Router();

  router.post('/v1/validations', async (req, res) => {
    const auth = requireAuth(req);
    const wait = Number((req.query as Record<string, unknown>).wait ?? 0); // 0–10, checked by openapi.yaml
    const key = req.get('idempotency-key');
    const body = req.body as CreateValidationInput;
    const outcome = await service.create(auth, body, {
      requestId: req.requestId,
      ...(key !== undefined ? { idempotency: { key, fingerprint: requestFingerprint('POST /v1/validations', body) } } : {}),
    });
    if (outcome.replayed) {
      res.set('Idempotent-Replayed', 'true').status(outcome.response.status).json(outcome.response.body);
      return;
    }
    let v = outcome.validation;
    if (wait > 0) v = await service.waitForFinal(scopeOf(auth), v.id, wait);
    const status = isFinal(v.status) ? 200 : 202;
    if (key !== undefined && status === 200) await service.recordFinalResponse(scopeOf(auth), key, status, toValidationView(v));
    res.status(status).json(toValidationView(v));
  });

  router.get('/v1/validations', async (req, res) => {
    const page = await service.list({
      scope: scopeOf(requireAuth(req)),
      status: queryString(req, 'status') as ValidationStatus | undefined,
      referenceId: queryString(req, 'reference_id'),
      cursor: queryString(req, 'cursor'),
      limit: Number((req.query as Record<string, unknown>).limit ?? 20),
    });
    res.json({ object: 'list', data: page.data.map(toValidationView), has_more: page.hasMore, next_cursor: page.nextCursor });
  });

  router.get('/v1/validations/:id', async (req, res) => {
    res.json(toValidationView(await service.get(scopeOf(requireAuth(req)), String(req.params.id))));
  });

  return router;
}
