import { Router } from 'express';
import type { ConsoleDeps } from '../console-routes.js';

export function validationPages(_d: ConsoleDeps): Router {
  const router = Router();
  return router;
}
