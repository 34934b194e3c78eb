import type { KeyMode } from '../tenants/api-key.js';

export interface AuthContext {
  tenantId: string;
  /** The API key, or '' for a console user. */
  keyId: string;
  mode: KeyMode;
  /** Who the audit log names: `api_key:<id>` or `user:<id>`. */
  actor: string;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by the request-id middleware on every request. */
      requestId: string;
      /** Set by the auth middleware on /v1 routes. */
      auth?: AuthContext;
    }
  }
}

export function requireAuth(req: Express.Request): AuthContext {
  if (!req.auth) throw new Error('route mounted without auth middleware');
  return req.auth;
}
