// A test stack with one tenant, and the few API calls the partner tests make through it.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import type { Runtime } from '../../src/runtime.js';
import { createTestContext, eventually, type TestContext } from './test-stack.js';

export interface Stack {
  ctx: TestContext;
  rt: Runtime;
  key: string;
}

/** A test key reaches only the sandbox partner; tests of Cashfree or Razorpay need a live one. */
export async function openStack(env: Record<string, string> = {}, tenant: { name?: string; mode?: 'test' | 'live' } = {}): Promise<Stack> {
  const ctx = await createTestContext(env);
  const rt = await ctx.start();
  const { apiKey } = await ctx.createTenant(tenant.name ?? 'Partners', { mode: tenant.mode ?? 'test' });
  return { ctx, rt, key: apiKey };
}

/** A 14-digit account number ending in `suffix` (the simulated providers decide outcomes by the last 4). */
export const account = (suffix = '4562'): string => `${randomInt(10_000_000, 99_999_999)}${randomInt(10, 99)}${suffix}`;

export async function createValidation(s: Stack, body: unknown): Promise<string> {
  const res = await s.ctx.http(s.rt).post('/v1/validations').set({ Authorization: `Bearer ${s.key}` }).send(body as object);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body.id as string;
}

export async function viewValidation(s: Stack, id: string) {
  const res = await s.ctx.http(s.rt).get(`/v1/validations/${id}`).set({ Authorization: `Bearer ${s.key}` });
  assert.equal(res.status, 200);
  return res.body;
}

/** Waits (generously: a busy machine is slow, never wrong) for the validation to be completed or failed. */
export async function finalValidation(s: Stack, id: string, timeoutMs = 30_000) {
  return eventually(async () => {
    const v = await viewValidation(s, id);
    return v.status === 'completed' || v.status === 'failed' ? v : undefined;
  }, `validation ${id} to become final`, timeoutMs);
}

export async function metricsText(s: Stack): Promise<string> {
  const res = await s.ctx.http(s.rt).get('/metrics');
  assert.equal(res.status, 200);
  return res.text;
}
