// One Idempotency-Key, one resource — even when the first request stalls (a GC pause, a starved event
// loop) past IDEMPOTENCY_LOCK_TIMEOUT_MS after reserving the key, and a client retry takes the key over.
// The stall is the one fault injected here: the first request's reservation is held back at a gate.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import type { Runtime } from '../../src/runtime.js';
import { AppError } from '../../src/platform/app-error.js';
import { createIdempotencyStore, requestFingerprint, type IdempotencyStore } from '../../src/platform/idempotency.js';
import { createFieldCipher } from '../../src/platform/field-cipher.js';
import { createBlindIndexer } from '../../src/platform/blind-index.js';
import { createTenantSettings } from '../../src/tenants/tenant-settings.js';
import { createValidationService, type CreateValidationInput } from '../../src/validations/validation-service.js';
import { createWebhookService } from '../../src/webhooks/webhook-service.js';
import { createUrlGuard } from '../../src/webhooks/url-guard.js';
import { toEndpointView } from '../../src/webhooks/webhook-view.js';
import { bankAccount, createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';
import { settle, stallingStore } from '../helpers/stalling-idempotency.js';

let ctx: TestContext;
let rt: Runtime;
let tenantId: string;
before(async () => {
  ctx = await createTestContext({ IDEMPOTENCY_LOCK_TIMEOUT_MS: '1000' });
  rt = await ctx.start();
  ({ tenantId } = await ctx.createTenant('Stalls'));
});
after(() => ctx.close());

const cipher = () => createFieldCipher({ keys: rt.config.crypto.keys, activeKeyId: rt.config.crypto.activeKeyId });
const auth = () => ({ tenantId, keyId: 'key_stall', mode: 'test' as const, actor: 'api_key:key_stall' });

/** Until the stalled request's lock is older than the lock timeout, so a retry may take the key over. */
const staleKey = (key: string) =>
  eventually(async () => {
    const row = await rt.db('idempotency_keys').where({ tenant_id: tenantId, idem_key: key }).first();
    return row && Date.now() - new Date(row.locked_at).getTime() > rt.config.idempotency.lockTimeoutMs + 200;
  }, 'the stalled reservation to go stale');

/**
 * The first request reserves the key and stalls; once its lock is stale a retry takes the key over and
 * finishes; then the first resumes.
 */
async function stallThenRetry<T>(key: string, create: (store: IdempotencyStore, requestId: string) => Promise<T>) {
  const stalling = stallingStore(createIdempotencyStore(rt.db, { ...rt.config.idempotency, cipher: rt.cipher }));
  const stall = stalling.stallNext();
  const first = settle(create(stalling.store, 'req_first'));
  await stall.reserved;
  await staleKey(key);
  const retry = await create(stalling.store, 'req_retry');
  stall.release();
  return { retry, first: await first, store: stalling.store };
}

function assertTakenOver(outcome: Awaited<ReturnType<typeof settle>>) {
  assert.equal(outcome.ok, false, 'the stalled request created a second resource');
  assert.ok(!outcome.ok && outcome.err instanceof AppError && outcome.err.code === 'idempotency.in_progress', String(!outcome.ok && outcome.err));
}

describe('a request that stalls after reserving its Idempotency-Key, while a retry takes the key over', () => {
  it('POST /v1/validations: one validation, and the stalled request gets 409 idempotency.in_progress', { timeout: 60_000 }, async () => {
    const config = rt.config;
    const service = (idempotency: IdempotencyStore) =>
      createValidationService({
        db: rt.db,
        cipher: cipher(),
        blindIndex: createBlindIndexer(config.crypto.blindIndexKey),
        idempotency,
        queue: rt.queue,
        completions: null,
        logger: ctx.logger,
        checkWebhookUrl: async (_scope, url) => url,
        settings: createTenantSettings(rt.db, { reuseMaxAgeSeconds: config.reuse.defaultMaxAgeSeconds, nameMatch: config.nameMatch, retentionDays: config.retention.defaultDays }),
      });
    const ref = `stall-${randomInt(1e9)}`;
    const input = bankAccount(`${randomInt(10_000_000, 99_999_999)}4562`, { reference_id: ref }) as unknown as CreateValidationInput;
    const idem = { key: `idem-${ref}`, fingerprint: requestFingerprint('POST /v1/validations', input) };
    const create = (store: IdempotencyStore, requestId: string) => service(store).create(auth(), input, { requestId, idempotency: idem });

    const { retry, first, store } = await stallThenRetry(idem.key, create);
    assert.ok(!retry.replayed, 'the retry took the key over and created the validation');
    assertTakenOver(first);

    const rows = await rt.db('validations').where({ tenant_id: tenantId, reference_id: ref });
    assert.deepEqual(rows.map((r) => r.id), [retry.validation.id], 'one validation for one key');
    const replay = await create(store, 'req_again');
    assert.ok(replay.replayed && (replay.response.body as { id: string }).id === retry.validation.id, 'the key replays that validation');
  });

  it('POST /v1/webhook-endpoints: one endpoint, and the stalled request gets 409 idempotency.in_progress', { timeout: 60_000 }, async () => {
    const config = rt.config;
    const service = (idempotency: IdempotencyStore) =>
      createWebhookService({
        db: rt.db,
        cipher: cipher(),
        guard: createUrlGuard({ requireHttps: false, allowedNetworks: ['127.0.0.0/8'] }),
        queue: rt.webhookQueue,
        logger: ctx.logger,
        secretOverlapMs: config.webhooks.secretOverlapMs,
        maxEndpoints: config.webhooks.maxEndpoints,
        idempotency,
      });
    const description = `stall-${randomInt(1e9)}`;
    const input = { url: 'http://127.0.0.1:9/hook', events: ['validation.completed' as const], description };
    const idem = { key: `idem-${description}`, fingerprint: requestFingerprint('POST /v1/webhook-endpoints', input) };
    // What the route does: create the endpoint and record its 201 in the same transaction.
    const create = (store: IdempotencyStore, requestId: string) => {
      const webhooks = service(store);
      return webhooks.idempotent({ tenantId, livemode: false }, idem, async (record) => {
        const { endpoint, secret } = await webhooks.create(auth(), input, requestId, (trx, e, s) => record(trx, { status: 201, body: toEndpointView(e, s) }, e.id));
        return { status: 201, body: toEndpointView(endpoint, secret) };
      });
    };

    const { retry, first } = await stallThenRetry(idem.key, create);
    assert.equal(retry.replayed, false);
    assertTakenOver(first);

    const rows = await rt.db('webhook_endpoints').where({ tenant_id: tenantId, description });
    assert.deepEqual(rows.map((r) => r.id), [(retry.response.body as { id: string }).id], 'one endpoint for one key');
  });
});
