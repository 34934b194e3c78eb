import type { RequestHandler } from 'express';
import { newId } from './ids.js';
import './http-context.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Every answer carries X-Request-Id: the caller's, when it is a safe token, else a new `req_…`. */
export const requestId: RequestHandler = (req, res, next) => {
  const incoming = req.get('x-request-id');
  req.requestId = incoming && REQUEST_ID.test(incoming) ? incoming : newId('req');
  res.set('X-Request-Id', req.requestId);
  next();
};

/** Every /v1 answer can carry registered names: no cache may keep one, errors included. */
export const noStore: RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', 'no-store');
  next();
};
