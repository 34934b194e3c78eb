// Developer docs (issue 13): `GET /openapi.yaml` serves the contract, and `GET /docs` renders it with
// Redoc. Every asset is served from here (no CDN, no external fonts), under the same strict
// Content-Security-Policy as every answer: the page loads two scripts from this origin and has no inline
// script. Redoc's search runs in a blob: worker, which that policy refuses, so it is switched off.
// See docs/decisions/0029-developer-docs.md.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { Router, type Response } from 'express';

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>payval API reference</title>
<link rel="icon" href="data:,">
</head>
<body>
<noscript>The API reference needs JavaScript. The contract itself is at <a href="/openapi.yaml">/openapi.yaml</a>.</noscript>
<div id="redoc"></div>
<script src="/docs/assets/redoc.standalone.js"></script>
<script src="/docs/assets/docs.js"></script>
</body>
</html>
`;

// System fonts only: Redoc's defaults name web fonts that a page would have to fetch from elsewhere.
const INIT = `Redoc.init('/openapi.yaml', {
  disableSearch: true,
  hideDownloadButton: false,
  expandResponses: '200,201,202',
  theme: { typography: { fontFamily: 'system-ui, sans-serif', headings: { fontFamily: 'system-ui, sans-serif' }, code: { fontFamily: 'ui-monospace, monospace' } } }
}, document.getElementById('redoc'));
`;

/**
 * Redoc's sidebar credit loads its logo from Redocly's CDN (an `<img>` that hides itself when it fails
 * to load). Pointed at an empty data URL, it fails at once and fetches nothing; the credit's text stays.
 */
export function withoutRemoteImages(bundle: string): string {
  return bundle.replaceAll('https://cdn.redoc.ly/redoc/logo-mini.svg', 'data:,');
}

/** A script as served: plain, and gzipped for the clients that accept it. */
interface Asset { plain: Buffer; gzipped: Buffer }

const asAsset = (plain: Buffer): Asset => ({ plain, gzipped: gzipSync(plain, { level: 9 }) });

/**
 * The contract and its rendering. `openapiPath` is read once, at start-up. The scripts (Redoc is about
 * 1.1 MB, 0.3 MB gzipped) are read, rewritten and compressed on their first request, not at every
 * API start-up.
 */
export function docsRoutes(openapiPath: string): Router {
  const spec = readFileSync(openapiPath);
  // The documented asset names (`/docs/assets/{name}`); anything else is a 404.
  const load: Record<string, () => Buffer> = {
    'redoc.standalone.js': () => Buffer.from(withoutRemoteImages(readFileSync(createRequire(import.meta.url).resolve('redoc/bundles/redoc.standalone.js'), 'utf8'))),
    'docs.js': () => Buffer.from(INIT),
  };
  const assets = new Map<string, Asset>();
  const page = Buffer.from(PAGE);
  // Revalidated on every use: a deployment may change the contract or the page under the same URL.
  const send = (res: Response, type: string, body: Buffer) => void res.type(type).set('Cache-Control', 'no-cache').send(body);

  const router = Router();
  router.get('/openapi.yaml', (_req, res) => send(res, 'application/yaml', spec));
  router.get('/docs', (_req, res) => send(res, 'text/html; charset=utf-8', page));
  router.get('/docs/assets/:name', (req, res, next) => {
    const { name } = req.params;
    if (!Object.hasOwn(load, name)) return next();
    let asset = assets.get(name);
    if (!asset) assets.set(name, (asset = asAsset(load[name]!())));
    res.vary('Accept-Encoding');
    const gzip = req.acceptsEncodings('gzip', 'identity') === 'gzip';
    if (gzip) res.set('Content-Encoding', 'gzip');
    send(res, 'text/javascript; charset=utf-8', gzip ? asset.gzipped : asset.plain);
  });
  return router;
}
