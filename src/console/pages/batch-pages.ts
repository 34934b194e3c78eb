import { Router } from 'express';
import type { ConsoleDeps } from '../console-routes.js';

export function batchPages(_d: ConsoleDeps): Router {
  const router = Router();
  return router;
}
