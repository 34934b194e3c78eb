import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import express, { Router } from 'express';
import supertest from 'supertest';
import { onPaths, V1_PATHS } from '../../src/platform/path-guard.js';
import { securityHeaders } from '../../src/platform/security-headers.js';

describe('path guards', () => {
  it('run a middleware for exactly the paths a /v1 mount would, and skip it for the rest', async () => {
    const seen: string[] = [];
    const app = express();
    app.use(onPaths(V1_PATHS, (req, _res, next) => (seen.push(req.path), next())));
    app.use((req, res) => res.json({ path: req.path }));
    for (const p of ['/v1', '/v1/', '/v1/validations', '/V1/Validations/abc', '/v1?x=1']) await supertest(app).get(p).expect(200);
    for (const p of ['/v10', '/v1x/validations', '/healthz', '/', '/x/v1/']) await supertest(app).get(p).expect(200);
    assert.deepEqual(seen, ['/v1', '/v1/', '/v1/validations', '/V1/Validations/abc', '/v1']);
  });

  it('keeps a guarded router’s routes visible in the app’s stack, and reaches them', async () => {
    const router = Router();
    router.get('/healthz', (_req, res) => void res.json({ ok: true }));
    const guard = onPaths(/^\/healthz\/?$/i, router);
    assert.equal((guard as unknown as { stack: unknown }).stack, router.stack);
    const app = express();
    app.use(guard);
    await supertest(app).get('/healthz/').expect(200, { ok: true });
    await supertest(app).get('/readyz').expect(404);
  });

  it('refuses a stateful pattern', () => {
    assert.throws(() => onPaths(/^\/v1/g, (_q, _s, next) => next()), /global or sticky/);
  });
});

describe('security headers', () => {
  it('sets the headers helmet sets, on every answer', async () => {
    const withHelmet = express();
    const { default: helmet } = await import('helmet');
    withHelmet.use(helmet(), (_req, res) => void res.json({}));
    const ours = express();
    ours.use(securityHeaders(), (_req, res) => void res.json({}));
    const a = (await supertest(withHelmet).get('/')).headers;
    const b = (await supertest(ours).get('/')).headers;
    const pick = (h: Record<string, unknown>) => Object.fromEntries(Object.entries(h).filter(([k]) => !['date', 'etag', 'content-length', 'connection', 'keep-alive', 'x-powered-by'].includes(k)));
    assert.deepEqual(pick(b), pick(a));
    assert.ok(b['content-security-policy'] && b['strict-transport-security']);
  });
});
