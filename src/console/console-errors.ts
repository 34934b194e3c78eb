// Errors on console routes: a page for a browser, the API's error envelope for console.js's fetches.
import type { ErrorRequestHandler, Request } from 'express';
import type { Logger } from '../platform/logger.js';
import { retryAfterOf, toAppError } from '../platform/error-handler.js';
import { html } from './html.js';
import { publicPage, sendHtml } from './layout.js';

const wantsJson = (req: Request) => req.accepts(['html', 'json']) === 'json';

/** Where to go back to after signing in: a console path only (no open redirect). */
export function safeNext(value: unknown): string {
  return typeof value === 'string' && /^\/console(?:[/?][^\s\\]*)?$/.test(value) && !value.startsWith('//') && value.length <= 500 ? value : '/console';
}

export function consoleErrors(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const { error, unexpected } = toAppError(err);
    if (unexpected) logger.error({ err, requestId: req.requestId }, 'unhandled console error');
    if (res.headersSent) {
      if (!res.writableEnded) res.destroy();
      return;
    }
    const retryAfter = retryAfterOf(error);
    if (retryAfter !== undefined) res.set('Retry-After', String(retryAfter));
    if (wantsJson(req)) {
      res.status(error.status).json({ error: { code: error.code, message: error.message, request_id: req.requestId } });
      return;
    }
    if (error.code === 'console.sign_in_required' && req.method === 'GET') {
      res.redirect(303, `/console/sign-in?next=${encodeURIComponent(safeNext(req.originalUrl))}`);
      return;
    }
    const body = html`<p>${error.message}</p>
<p class="muted">Error code <code>${error.code}</code> · request <code>${req.requestId}</code></p>
<p><a href="/console">Back to the console</a></p>`;
    sendHtml(res, publicPage({ title: error.status === 404 ? 'Not found' : error.status === 403 ? 'Not allowed' : 'Something went wrong' }, body), error.status);
  };
}
