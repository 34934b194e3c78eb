import { readFileSync } from 'node:fs';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { parse } from 'yaml';
import { OPENAPI_PATH } from '../../src/app.js';

type Obj = Record<string, unknown>;
interface Spec { paths: Record<string, Obj>; components: Obj }

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/**
 * Headers an answer may carry without each operation documenting them: HTTP's own framing and
 * negotiation, and helmet's security headers (named once in openapi.yaml's info.description).
 * Allow, Cache-Control and Retry-After are standard too, but deliberately not here: clients act on them.
 */
const NEEDS_NO_DOCUMENTATION = new Set([
  'content-type', 'content-length', 'content-disposition', 'date', 'connection', 'keep-alive', 'transfer-encoding', 'vary',
  'content-security-policy', 'cross-origin-opener-policy', 'cross-origin-resource-policy', 'origin-agent-cluster',
  'referrer-policy', 'strict-transport-security', 'x-content-type-options', 'x-dns-prefetch-control',
  'x-download-options', 'x-frame-options', 'x-permitted-cross-domain-policies', 'x-xss-protection',
]);

/** What a path answers when the method is not one of its operations (auth and the limit run first on /v1). */
const FOR_MISSING_METHOD: Record<number, string> = { 405: 'MethodNotAllowed', 401: 'Unauthorized', 429: 'TooManyRequests', 503: 'Unavailable' };

export interface ContractChecker {
  /** Problems with one answer; empty when openapi.yaml documents its status and every header it carries. */
  check(method: string, url: string, status: number, headers: Record<string, unknown>): string[];
  /** The app, wrapped so every answer it gives is checked; problems collect in `violations`. */
  wrap(app: RequestListener): RequestListener;
  readonly violations: string[];
}

export function loadContractChecker(specPath = OPENAPI_PATH): ContractChecker {
  const spec = parse(readFileSync(specPath, 'utf8')) as Spec;
  const routes = Object.keys(spec.paths).map((template) => ({
    template,
    pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}/?$`),
  }));
  const deref = (node: unknown): Obj | undefined => {
    let n = node as Obj | undefined;
    for (let i = 0; n && typeof n.$ref === 'string' && i < 10; i++) {
      n = (n.$ref as string).replace(/^#\//, '').split('/').reduce<unknown>((o, k) => (o as Obj | undefined)?.[k], spec) as Obj | undefined;
    }
    return n;
  };
  const violations: string[] = [];

  function check(method: string, url: string, status: number, headers: Record<string, unknown>): string[] {
    const path = url.split('?')[0] ?? '';
    const where = `${method} ${path} → ${status}`;
    const problems: string[] = [];
    const onV1 = path === '/v1' || path.startsWith('/v1/');
    if (headers['x-request-id'] === undefined) problems.push(`${where}: no X-Request-Id`);
    if (onV1 && headers['cache-control'] !== 'no-store') problems.push(`${where}: Cache-Control is not no-store`);
    if ([409, 429, 503].includes(status) && headers['retry-after'] === undefined) problems.push(`${where}: no Retry-After`);
    const route = routes.find((r) => r.pattern.test(path));
    if (!route) return problems; // an unknown path: route.not_found, or an answer that came before routing
    const item = spec.paths[route.template]!;
    // HEAD is not in openapi.yaml: /v1 answers it 405 (Allow lists the spec's methods); the probes, mounted
    // before the validator, answer it like GET.
    const head = method.toUpperCase() === 'HEAD';
    const operation = deref(item[head && status !== 405 ? 'get' : method.toLowerCase()]);
    let response: Obj | undefined;
    if (operation) {
      response = deref((operation.responses as Obj)[String(status)]);
      if (!response) problems.push(`${where}: ${status} is not documented for ${method} ${route.template}`);
    } else {
      const component = FOR_MISSING_METHOD[status];
      if (!component || (!onV1 && status !== 405)) problems.push(`${where}: ${route.template} has no ${method} and this is not a 405`);
      else response = deref({ $ref: `#/components/responses/${component}` });
      const allow = METHODS.filter((m) => m in item).map((m) => m.toUpperCase()).join(', ');
      if (status === 405 && headers.allow !== allow) problems.push(`${where}: Allow is ${String(headers.allow)}, openapi.yaml says ${allow}`);
    }
    if (response) {
      const documented = new Set(Object.keys((response.headers as Obj | undefined) ?? {}).map((h) => h.toLowerCase()));
      for (const name of Object.keys(headers)) {
        if (!NEEDS_NO_DOCUMENTATION.has(name) && !documented.has(name)) problems.push(`${where}: header ${name} is not documented`);
      }
    }
    return problems;
  }

  return {
    check,
    violations,
    wrap(app) {
      return (req: IncomingMessage, res: ServerResponse) => {
        const { method = 'GET', url = '/' } = req; // Express rewrites req.url inside mounted routers
        res.once('finish', () => violations.push(...check(method, url, res.statusCode, res.getHeaders())));
        app(req, res);
      };
    },
  };
}
