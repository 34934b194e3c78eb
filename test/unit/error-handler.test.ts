import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../../src/platform/app-error.js';
import { toAppError } from '../../src/platform/error-handler.js';

describe('toAppError', () => {
  it('passes AppErrors through', () => {
    const e = new AppError('validation.not_found', 'No validation x.');
    assert.equal(toAppError(e).error, e);
  });

  it('turns an unknown error into a generic 500 that carries none of its text', () => {
    const { error, unexpected } = toAppError(new Error("ER_BAD_FIELD_ERROR: Unknown column 'x' at /app/src/secret.ts:12"));
    assert.equal(unexpected, true);
    assert.equal(error.status, 500);
    assert.equal(error.code, 'internal.error');
    assert.equal(error.message, 'An internal error occurred.');
  });

  it('maps MySQL/Redis outages to 503 with Retry-After', () => {
    for (const err of [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('Knex: Timeout acquiring a connection'), { name: 'KnexTimeoutError' }),
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
      Object.assign(new Error('Deadlock found'), { code: 'ER_LOCK_DEADLOCK' }),
    ]) {
      const { error } = toAppError(err);
      assert.equal(error.status, 503, err.message);
      assert.equal(error.code, 'service.unavailable');
      assert.ok((error.retryAfterSeconds ?? 0) > 0);
      assert.ok(!error.message.includes('3306'));
    }
  });

  it('maps body-parser and schema-validator errors to stable 4xx codes', () => {
    assert.equal(toAppError(Object.assign(new Error('too large'), { type: 'entity.too.large' })).error.code, 'request.body_too_large');
    assert.equal(toAppError(Object.assign(new Error('bad json'), { type: 'entity.parse.failed' })).error.code, 'request.malformed_json');
    const schema = toAppError(Object.assign(new Error('x'), { status: 400, errors: [{ path: '/body/type', message: 'must be equal to one of' }] })).error;
    assert.equal(schema.code, 'request.invalid');
    assert.deepEqual(schema.details, { errors: [{ path: '/body/type', message: 'must be equal to one of' }] });
    assert.equal(toAppError(Object.assign(new Error('x'), { status: 415, errors: [] })).error.code, 'request.unsupported_media_type');
    assert.equal(toAppError(Object.assign(new Error('x'), { status: 405, errors: [] })).error.code, 'route.method_not_allowed');
  });

  it("never echoes a digit run of 9+ in the validator's paths or messages, even with spaces or dashes", () => {
    const err = Object.assign(new Error("Unknown query parameter '50100012345671'"), {
      status: 400,
      errors: [
        { path: '/query/50100012345671', message: "Unknown query parameter '50100012345671'" },
        { path: '/query/5010-0012-3456-71', message: "Unknown query parameter '5010 0012 3456 71'" },
        { path: '/query/limit', message: 'must be <= 100' },
      ],
    });
    const { details } = toAppError(err).error;
    assert.deepEqual(details, {
      errors: [
        { path: '/query/XXXXXXXXXX5671', message: "Unknown query parameter 'XXXXXXXXXX5671'" },
        { path: '/query/XXXXXXXXXX5671', message: "Unknown query parameter 'XXXXXXXXXX5671'" },
        { path: '/query/limit', message: 'must be <= 100' },
      ],
    });
    const other = toAppError(Object.assign(new Error('POST /v1/validations/123456789012 not allowed'), { status: 405, errors: [] })).error;
    assert.ok(!other.message.includes('123456789012'), other.message);
  });

  it("maps body-parser's other client errors (too many form fields, a body that does not inflate, an aborted body) to 4xx, not 500", () => {
    const tooMany = toAppError(Object.assign(new Error('too many parameters'), { type: 'parameters.too.many', status: 413, expose: true }));
    assert.deepEqual([tooMany.error.status, tooMany.error.code, tooMany.unexpected], [400, 'request.invalid', false]);
    for (const type of ['request.aborted', 'encoding.unsupported.x', 'stream.encoding.set']) {
      const { error, unexpected } = toAppError(Object.assign(new Error('incorrect header check'), { type, status: 400, expose: true }));
      assert.deepEqual([error.status, unexpected], [400, false], type);
      assert.ok(!error.message.includes('header check'));
    }
    // A server-side failure that body-parser marks as not for the client stays a 500.
    assert.equal(toAppError(Object.assign(new Error('x'), { type: 'stream.not.readable', status: 500, expose: false })).error.status, 500);
  });

  it("maps the router's undecodable percent-escape (URIError, status 400) to 400 request.invalid, not a 500", () => {
    const err = Object.assign(new URIError("Failed to decode param '%E0%A4%A'"), { status: 400, statusCode: 400 });
    const { error, unexpected } = toAppError(err);
    assert.equal(unexpected, false);
    assert.equal(error.status, 400);
    assert.equal(error.code, 'request.invalid');
    assert.ok(!error.message.includes('%E0'));
  });

  it('treats a response-validation failure (status 500 from the validator) as our bug', () => {
    const { error, unexpected } = toAppError(Object.assign(new Error('/response must NOT have additional properties'), { status: 500, errors: [] }));
    assert.equal(unexpected, true);
    assert.equal(error.code, 'internal.error');
  });
});

describe('errorHandler', () => {
  it("sets Allow on a 405 from the validator's method list, upper-case and in a fixed order", async () => {
    const { errorHandler } = await import('../../src/platform/error-handler.js');
    const { createLogger } = await import('../../src/platform/logger.js');
    const headers: Record<string, string> = {};
    const res = {
      headersSent: false,
      set(name: string, value: string) {
        headers[name] = value;
        return this;
      },
      status() {
        return this;
      },
      json() {
        return this;
      },
    };
    const err = Object.assign(new Error('x'), { status: 405, errors: [], headers: { Allow: 'delete, patch, get' } });
    errorHandler(createLogger('silent'))(err, { requestId: 'req_1' } as never, res as never, () => undefined);
    assert.equal(headers.Allow, 'GET, PATCH, DELETE');
  });

  it('ends a response whose headers were sent (a stream that failed half-way) instead of leaving it open', async () => {
    const { errorHandler } = await import('../../src/platform/error-handler.js');
    const { createLogger } = await import('../../src/platform/logger.js');
    let destroyed = 0;
    const streaming = { headersSent: true, writableEnded: false, destroy: () => destroyed++ };
    errorHandler(createLogger('silent'))(new Error('db gone'), { requestId: 'req_1' } as never, streaming as never, () => undefined);
    assert.equal(destroyed, 1);
    const finished = { headersSent: true, writableEnded: true, destroy: () => destroyed++ };
    errorHandler(createLogger('silent'))(new Error('late'), { requestId: 'req_2' } as never, finished as never, () => undefined);
    assert.equal(destroyed, 1, 'a finished answer keeps its keep-alive connection');
  });
});
