// An API client for the erasure tests: validations, batches and erasure requests of one key, every
// answer checked against openapi.yaml by the context's contract checker.
import assert from 'node:assert/strict';
import type { Runtime } from '../../src/runtime.js';
import { eventually, type TestContext } from './test-stack.js';

export type V = Record<string, any>;

export function erasureClient(ctx: TestContext, rt: Runtime, apiKey: string) {
  const http = ctx.http(rt);
  const auth = { Authorization: `Bearer ${apiKey}` };
  const client = {
    http,
    auth,
    async create(body: Record<string, unknown>, idem?: string): Promise<V> {
      const req = http.post('/v1/validations').set(auth);
      if (idem) req.set('Idempotency-Key', idem);
      const res = await req.send(body);
      assert.equal(res.status, 202, JSON.stringify(res.body));
      return res.body as V;
    },
    async final(id: string): Promise<V> {
      return eventually(async () => {
        const v = (await http.get(`/v1/validations/${id}`).set(auth)).body as V;
        return v.status === 'completed' || v.status === 'failed' ? v : null;
      }, `validation ${id} final`, 30_000);
    },
    /** Creates a validation and waits for its final state. */
    async validated(body: Record<string, unknown>, idem?: string): Promise<V> {
      return client.final((await client.create(body, idem)).id);
    },
    async batchDone(id: string): Promise<void> {
      await eventually(async () => (await http.get(`/v1/batches/${id}`).set(auth)).body.status === 'completed', `batch ${id}`, 30_000);
    },
    async erase(body: Record<string, unknown>): Promise<V> {
      const res = await http.post('/v1/erasure-requests').set(auth).send(body);
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.equal(res.body.status, 'processing');
      return res.body as V;
    },
    async erased(id: string): Promise<V> {
      return eventually(async () => {
        const r = (await http.get(`/v1/erasure-requests/${id}`).set(auth)).body as V;
        return r.status === 'completed' ? r : null;
      }, `erasure ${id}`, 60_000);
    },
  };
  return client;
}
