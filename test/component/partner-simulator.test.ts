import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, afterEach, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { createSandboxSim } from '../../src/partners/simulator/providers/sandbox-sim.js';
import type { SimProvider } from '../../src/partners/simulator/sim-provider.js';
import { startPartnerSimulator, type PartnerSimulator } from '../../src/partners/simulator/sim-server.js';

const ref = () => `val_${randomUUID()}`;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): Record<string, unknown>;
}

async function until(check: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail('condition not met in time');
    await sleep(10);
  }
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  );
}

/**
 * A second provider for the ledger tests: `/charge` bills the reference in the body, `/hang`
 * never answers, anything else echoes what the simulator handed it without billing.
 */
function createEchoSim(): SimProvider & { resets: number } {
  const p = {
    name: 'echo',
    resets: 0,
    referenceOf: (req: Parameters<SimProvider['referenceOf']>[0]) => {
      const r = (req.body as { reference?: unknown } | undefined)?.reference;
      return typeof r === 'string' ? r : req.query.get('reference');
    },
    handle: (req: Parameters<SimProvider['handle']>[0], ctx: Parameters<SimProvider['handle']>[1]) => {
      if (req.path === '/charge') {
        const reference = (req.body as { reference: string }).reference;
        ctx.charge(reference);
        return { kind: 'json' as const, status: 200, body: { reference, callNumber: ctx.callNumber } };
      }
      if (req.path === '/hang') return { kind: 'hang' as const };
      return {
        kind: 'json' as const,
        status: 200,
        body: { method: req.method, path: req.path, query: Object.fromEntries(req.query), callNumber: ctx.callNumber, invalidJson: req.invalidJson },
        headers: { 'x-echo': 'yes' },
      };
    },
    reset: () => {
      p.resets += 1;
    },
  };
  return p;
}

describe('partner simulator over HTTP', () => {
  let sim: PartnerSimulator;
  let echo: ReturnType<typeof createEchoSim>;
  let agent: Agent;

  const call = async (
    path: string,
    opts: { method?: 'GET' | 'POST'; body?: unknown; rawBody?: string; headers?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<Reply> => {
    const body = opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
    const res = await request(`${sim.url}${path}`, {
      method: opts.method ?? (body === undefined ? 'GET' : 'POST'),
      headers: { 'content-type': 'application/json', ...opts.headers },
      ...(body === undefined ? {} : { body }),
      ...(opts.signal ? { signal: opts.signal } : {}),
      dispatcher: agent,
    });
    const text = await res.body.text();
    return {
      status: res.statusCode,
      headers: res.headers,
      text,
      json: () => JSON.parse(text) as Record<string, unknown>,
    };
  };
  const verifyVpa = (reference: string, vpa = 'ramesh.kumar@okaxis', signal?: AbortSignal) =>
    call('/sandbox/v1/verifications/vpa', { body: { reference, vpa }, ...(signal ? { signal } : {}) });

  before(async () => {
    echo = createEchoSim();
    sim = await startPartnerSimulator({ providers: [createSandboxSim(), echo], faults: { '*': { retryAfterSeconds: 3 } } });
    agent = new Agent({ keepAliveTimeout: 1000 });
  });
  afterEach(() => {
    // Every test starts from the starting faults and an empty ledger.
    sim.reset();
  });
  after(async () => {
    await agent.close();
    await sim.close();
  });

  describe('routing', () => {
    it('routes each provider under its own prefix and hands it the path below it', async () => {
      assert.deepEqual(sim.providerNames(), ['sandbox', 'echo']);
      assert.equal(sim.provider('sandbox').baseUrl, `${sim.url}/sandbox`);
      assert.equal(sim.provider('echo').baseUrl, `${sim.url}/echo`);

      const reference = ref();
      const answer = await verifyVpa(reference);
      assert.equal(answer.status, 200);
      assert.equal(answer.json().status, 'VALID');
      assert.equal(answer.json().name_at_bank, 'RAMESH KUMAR');
      assert.equal(answer.json().reference, reference);

      const echoed = await call('/echo/a/b?x=1&reference=r-q');
      assert.equal(echoed.status, 200);
      assert.equal(echoed.headers['x-echo'], 'yes', 'provider headers are sent');
      assert.deepEqual(echoed.json(), { method: 'GET', path: '/a/b', query: { x: '1', reference: 'r-q' }, callNumber: 1, invalidJson: false });
      assert.equal((await call('/echo')).json().path, '/');
      assert.equal((await call('/echo', { rawBody: '{nope' })).json().invalidJson, true);

      assert.equal(sim.provider('sandbox').callsFor(reference), 1);
      assert.equal(sim.provider('echo').callsFor(reference), 0);
      assert.equal(sim.provider('echo').callsFor('r-q'), 1);
    });

    it('answers 404 for an unknown provider or the root, and health on /healthz, without counting calls', async () => {
      for (const path of ['/nope/v1/verifications/vpa', '/', '/sandboxx/v1/verifications/vpa', '/SANDBOX/v1/verifications/vpa']) {
        const res = await call(path, { body: { reference: 'r-404', vpa: 'a@b' } });
        assert.equal(res.status, 404, path);
        assert.deepEqual(res.json(), { error: 'not_found' });
      }
      const health = await call('/healthz');
      assert.equal(health.status, 200);
      assert.deepEqual(health.json(), { status: 'ok' });
      assert.equal(sim.totalCalls(), 0);
      assert.throws(() => sim.provider('nope'), /no simulated provider "nope"/);
    });

    it('refuses an oversized body with 413 before the provider sees it', async () => {
      const res = await call('/sandbox/v1/verifications/vpa', { body: { reference: 'r-big', vpa: `${'x'.repeat(65 * 1024)}@ybl` } });
      assert.equal(res.status, 413);
      assert.equal(sim.totalCalls(), 0);
      assert.equal(sim.totalCharges(), 0);
    });
  });

  describe('outages', () => {
    it("down('503') answers 503 to every call without billing, and up() restores service", async () => {
      const reference = ref();
      sim.provider('sandbox').down('503');
      assert.equal(sim.provider('sandbox').faults().down, '503');
      for (let i = 0; i < 2; i++) {
        const res = await verifyVpa(reference);
        assert.equal(res.status, 503);
        assert.deepEqual(res.json(), { error: 'simulated_outage' });
      }
      assert.equal((await call('/echo/x')).status, 200, 'other providers are unaffected');
      assert.equal(sim.provider('sandbox').callsFor(reference), 2);
      assert.equal(sim.chargesFor(reference), 0);

      sim.provider('sandbox').up();
      assert.equal(sim.provider('sandbox').faults().down, null);
      const res = await verifyVpa(reference);
      assert.equal(res.status, 200);
      assert.equal(res.json().status, 'VALID');
      assert.equal(sim.chargesFor(reference), 1);
    });

    it("down('reset') drops the connection without an answer", async () => {
      const reference = ref();
      sim.provider('sandbox').down('reset');
      const err = await failure(verifyVpa(reference));
      assert.ok(err instanceof Error);
      assert.match(String((err as { code?: unknown }).code), /UND_ERR_SOCKET|ECONNRESET/);
      assert.equal(sim.provider('sandbox').callsFor(reference), 1);
      assert.equal(sim.chargesFor(reference), 0);
      sim.provider('sandbox').up();
      assert.equal((await verifyVpa(reference)).status, 200);
    });

    it("down('hang') holds calls until the client aborts, then frees them", async () => {
      sim.provider('sandbox').down('hang');
      const started = Date.now();
      const pending = failure(verifyVpa(ref(), 'a@b', AbortSignal.timeout(300)));
      await until(() => sim.inFlight() === 1);
      const err = await pending;
      assert.ok(err instanceof Error);
      assert.equal(err.name, 'TimeoutError');
      assert.ok(Date.now() - started >= 250, 'held until the client gave up');
      await until(() => sim.inFlight() === 0);
      assert.equal(sim.totalCharges(), 0);
      sim.provider('sandbox').up();
      assert.equal((await verifyVpa(ref())).status, 200);
    });

    it("taking a provider down with 'reset' drops the calls it is holding; '503' lets them finish", async () => {
      sim.provider('sandbox').setFaults({ latency: '5000' });
      sim.provider('echo').setFaults({ latency: '5000' });
      const dropped = failure(verifyVpa(ref()));
      const echoHeld = call('/echo/slow');
      await until(() => sim.inFlight() === 2);
      const started = Date.now();
      sim.provider('sandbox').down('reset');
      assert.ok((await dropped) instanceof Error);
      assert.ok(Date.now() - started < 1000, 'dropped at once, not after the latency');
      assert.equal(sim.inFlight(), 1, "the other provider's call is still held");
      sim.provider('echo').setFaults({ latency: '0' });
      sim.provider('echo').down('hang'); // releases echo's held call, which then resets
      assert.ok((await failure(echoHeld)) instanceof Error);
      await until(() => sim.inFlight() === 0);

      sim.reset();
      sim.provider('sandbox').setFaults({ latency: '300' });
      const finishing = verifyVpa(ref());
      await until(() => sim.inFlight() === 1);
      sim.provider('sandbox').down('503');
      const res = await finishing;
      assert.equal(res.status, 200, 'a call already in progress completes');
      assert.equal(res.json().status, 'VALID');
    });

    it('holds a call for the configured latency', async () => {
      sim.setLatency(150);
      assert.deepEqual(sim.provider('echo').faults().latency, { kind: 'fixed', ms: 150 });
      const started = Date.now();
      assert.equal((await call('/echo/x')).status, 200);
      assert.ok(Date.now() - started >= 140, `answered after ${Date.now() - started} ms`);
      sim.setLatency(-5);
      assert.deepEqual(sim.provider('sandbox').faults().latency, { kind: 'fixed', ms: 0 });
    });
  });

  describe('injected faults', () => {
    it('rateLimitRate 1 answers 429 with Retry-After, unbilled', async () => {
      const reference = ref();
      sim.provider('sandbox').setFaults({ rateLimitRate: 1 });
      const res = await verifyVpa(reference);
      assert.equal(res.status, 429);
      assert.equal(res.headers['retry-after'], '3', 'the starting retryAfterSeconds');
      sim.provider('sandbox').setFaults({ retryAfterSeconds: 9 });
      assert.equal((await verifyVpa(reference)).headers['retry-after'], '9');
      assert.equal(sim.provider('sandbox').callsFor(reference), 2);
      assert.equal(sim.chargesFor(reference), 0);
    });

    it('errorRate 1 answers errorStatus, unbilled', async () => {
      const reference = ref();
      sim.provider('sandbox').setFaults({ errorRate: 1, errorStatus: 500 });
      const res = await verifyVpa(reference);
      assert.equal(res.status, 500);
      assert.deepEqual(res.json(), { error: 'simulated_error' });
      assert.equal(sim.chargesFor(reference), 0);
      sim.provider('sandbox').setFaults({ errorRate: 0 });
      assert.equal((await verifyVpa(reference)).status, 200);
      assert.equal(sim.chargesFor(reference), 1);
    });

    it('malformedRate 1 answers 200 with a body that is not JSON, and bills the call', async () => {
      const reference = ref();
      sim.provider('sandbox').setFaults({ malformedRate: 1 });
      const res = await verifyVpa(reference);
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-type'], 'application/json');
      assert.throws(() => JSON.parse(res.text), SyntaxError);
      assert.equal(sim.chargesFor(reference), 1);

      // The replay is not billed again, so it is not garbled either.
      const replay = await verifyVpa(reference);
      assert.equal(replay.status, 200);
      assert.equal(replay.json().status, 'VALID');
      assert.equal(sim.chargesFor(reference), 1);
      assert.equal(sim.callsFor(reference), 2);
    });

    it('ambiguousRate 1 bills the call but never answers it', async () => {
      const reference = ref();
      sim.provider('sandbox').setFaults({ ambiguousRate: 1 });
      const err = await failure(verifyVpa(reference, 'a@b', AbortSignal.timeout(300)));
      assert.equal((err as Error).name, 'TimeoutError');
      assert.equal(sim.chargesFor(reference), 1);
      await until(() => sim.inFlight() === 0);
      // Unbilled calls are answered even at ambiguousRate 1.
      assert.equal((await call('/echo/x')).status, 200);
    });

    it('hangRate 1 never answers and never bills; resetRate 1 drops the connection', async () => {
      const reference = ref();
      sim.provider('sandbox').setFaults({ hangRate: 1 });
      const hung = await failure(verifyVpa(reference, 'a@b', AbortSignal.timeout(200)));
      assert.equal((hung as Error).name, 'TimeoutError');
      await until(() => sim.inFlight() === 0);
      sim.provider('sandbox').setFaults({ hangRate: 0, resetRate: 1 });
      assert.ok((await failure(verifyVpa(reference))) instanceof Error);
      assert.equal(sim.chargesFor(reference), 0);
      assert.equal(sim.callsFor(reference), 2);
    });

    it('a provider hang is also freed when the client aborts', async () => {
      const err = await failure(call('/echo/hang', { signal: AbortSignal.timeout(200) }));
      assert.equal((err as Error).name, 'TimeoutError');
      await until(() => sim.inFlight() === 0);
    });
  });

  describe('ledger', () => {
    it('replays a sandbox reference without billing it again, and reset forgets it', async () => {
      const reference = ref();
      const first = (await verifyVpa(reference)).json();
      const second = (await verifyVpa(reference)).json();
      assert.equal(second.sandbox_reference, first.sandbox_reference);
      assert.equal(sim.provider('sandbox').chargesFor(reference), 1);
      assert.equal(sim.provider('sandbox').callsFor(reference), 2);

      const resetsBefore = echo.resets;
      sim.reset();
      assert.equal(echo.resets, resetsBefore + 1, 'each provider forgets its stored verifications');
      assert.equal(sim.callsFor(reference), 0);
      assert.equal(sim.totalCalls(), 0);
      const third = (await verifyVpa(reference)).json();
      assert.notEqual(third.sandbox_reference, first.sandbox_reference);
      assert.equal(sim.chargesFor(reference), 1);
    });

    it('counts a reference billed by two providers as charged more than once', async () => {
      const shared = ref();
      const other = ref();
      assert.equal((await verifyVpa(shared)).status, 200);
      assert.equal((await verifyVpa(other)).status, 200);
      assert.equal(sim.stats().maxChargesPerReference, 1);
      assert.equal(sim.stats().referencesChargedMoreThanOnce, 0);

      const echoed = await call('/echo/charge', { body: { reference: shared } });
      assert.deepEqual(echoed.json(), { reference: shared, callNumber: 1 });
      let stats = sim.stats();
      assert.equal(stats.maxChargesPerReference, 2);
      assert.equal(stats.referencesChargedMoreThanOnce, 1);
      assert.equal(stats.providers.sandbox?.maxChargesPerReference, 1, 'each provider billed it once');
      assert.equal(stats.providers.echo?.maxChargesPerReference, 1);
      assert.equal(sim.chargesFor(shared), 2);
      assert.equal(sim.provider('sandbox').chargesFor(shared), 1);
      assert.equal(sim.provider('echo').chargesFor(shared), 1);
      assert.equal(sim.callsFor(shared), 2);

      // A third charge raises the maximum but is still one reference.
      await call('/echo/charge', { body: { reference: shared } });
      stats = sim.stats();
      assert.equal(stats.maxChargesPerReference, 3);
      assert.equal(stats.referencesChargedMoreThanOnce, 1);
      assert.equal(stats.providers.echo?.maxChargesPerReference, 2);
      assert.equal(stats.providers.echo?.maxCallsPerReference, 2);
      assert.equal(stats.calls, 4);
      assert.equal(stats.charges, 4);
      assert.equal(sim.totalCharges(), 4);
    });
  });

  describe('control endpoints', () => {
    it('GET /_sim/stats reports the ledger', async () => {
      const reference = ref();
      await verifyVpa(reference);
      await verifyVpa(reference);
      await call('/echo/x');
      const res = await call('/_sim/stats');
      assert.equal(res.status, 200);
      const body = res.json();
      assert.deepEqual(body, JSON.parse(JSON.stringify(sim.stats())));
      assert.equal(body.calls, 3);
      assert.equal(body.charges, 1);
      assert.equal(body.maxChargesPerReference, 1);
      assert.equal(body.referencesChargedMoreThanOnce, 0);
      const sandbox = (body.providers as Record<string, Record<string, unknown>>).sandbox;
      assert.equal(sandbox?.calls, 2);
      assert.equal(sandbox?.charges, 1);
      assert.equal(sandbox?.maxCallsPerReference, 2);
      assert.equal((sandbox?.faults as Record<string, unknown>).retryAfterSeconds, 3);
    });

    it('POST /_sim/providers/:name/faults merges a patch and refuses bad values with 400', async () => {
      const first = await call('/_sim/providers/sandbox/faults', { body: { errorStatus: 502 } });
      assert.equal(first.status, 200);
      const second = await call('/_sim/providers/sandbox/faults', { body: { errorRate: 1, latency: 'uniform:0:5' } });
      assert.equal(second.status, 200);
      const faults = second.json().faults as Record<string, unknown>;
      assert.equal(second.json().provider, 'sandbox');
      assert.equal(faults.errorStatus, 502, 'the earlier patch is kept');
      assert.equal(faults.errorRate, 1);
      assert.deepEqual(faults.latency, { kind: 'uniform', minMs: 0, maxMs: 5 });
      assert.equal(faults.retryAfterSeconds, 3);
      assert.deepEqual(sim.provider('sandbox').faults(), faults);
      assert.equal((await verifyVpa(ref())).status, 502, 'the faults take effect');

      for (const bad of [{ errorRate: 2 }, { hangRate: -1 }, { bogus: 1 }, { down: 'sideways' }, { errorStatus: 302 }, { latency: 'fast' }, [1], null]) {
        const res = await call('/_sim/providers/sandbox/faults', { body: bad });
        assert.equal(res.status, 400, JSON.stringify(bad));
        assert.equal(res.json().error, 'invalid_faults');
        assert.equal(typeof res.json().message, 'string');
      }
      const invalid = await call('/_sim/providers/sandbox/faults', { rawBody: '{errorRate:' });
      assert.deepEqual({ status: invalid.status, body: invalid.json() }, { status: 400, body: { error: 'invalid_json' } });
      assert.deepEqual(sim.provider('sandbox').faults(), faults, 'refused patches change nothing');

      assert.equal((await call('/_sim/providers/nope/faults', { body: {} })).status, 404);
      assert.equal((await call('/_sim/providers/sandbox/latency', { body: {} })).status, 404);
      assert.equal((await call('/_sim/nothing')).status, 404);
      const get = await call('/_sim/providers/sandbox/faults');
      assert.equal(get.status, 405);
      assert.equal(get.headers.allow, 'POST');
    });

    it('POST /down and /up take a provider down and bring it back', async () => {
      const down = await call('/_sim/providers/sandbox/down', { method: 'POST' });
      assert.equal(down.status, 200);
      assert.equal((down.json().faults as Record<string, unknown>).down, '503', '503 is the default mode');
      assert.equal((await verifyVpa(ref())).status, 503);

      const reset = await call('/_sim/providers/sandbox/down', { body: { mode: 'reset' } });
      assert.equal((reset.json().faults as Record<string, unknown>).down, 'reset');
      assert.ok((await failure(verifyVpa(ref()))) instanceof Error);

      const bad = await call('/_sim/providers/sandbox/down', { body: { mode: 'sideways' } });
      assert.equal(bad.status, 400);
      assert.equal(sim.provider('sandbox').faults().down, 'reset');

      const up = await call('/_sim/providers/sandbox/up', { method: 'POST' });
      assert.equal(up.status, 200);
      assert.equal((up.json().faults as Record<string, unknown>).down, null);
      assert.equal((await verifyVpa(ref())).status, 200);
    });

    it('POST /_sim/reset forgets the ledger and restores the starting faults', async () => {
      await verifyVpa(ref());
      sim.provider('echo').setFaults({ errorRate: 1, retryAfterSeconds: 60 });
      sim.provider('sandbox').down('503');
      const res = await call('/_sim/reset', { method: 'POST' });
      assert.deepEqual({ status: res.status, body: res.json() }, { status: 200, body: { reset: true } });
      assert.equal(sim.totalCalls(), 0);
      assert.equal(sim.totalCharges(), 0);
      assert.equal(sim.provider('echo').faults().errorRate, 0);
      assert.equal(sim.provider('echo').faults().retryAfterSeconds, 3, 'back to the starting faults, not to none');
      assert.equal(sim.provider('sandbox').faults().down, null);
      assert.equal((await call('/_sim/reset')).status, 404, 'reset is POST only');
    });
  });
});

describe('partner simulator options', () => {
  const sims: PartnerSimulator[] = [];
  const agent = new Agent();
  const start = async (opts: Parameters<typeof startPartnerSimulator>[0]) => {
    const sim = await startPartnerSimulator(opts);
    sims.push(sim);
    return sim;
  };
  after(async () => {
    await agent.close();
    await Promise.all(sims.map((s) => s.close()));
  });

  it('guards /_sim/* with the control token when one is set, but not the providers', async () => {
    const sim = await start({ providers: [createSandboxSim()], controlToken: 's3cret' });
    const get = async (path: string, headers: Record<string, string> = {}) => {
      const res = await request(`${sim.url}${path}`, { headers, dispatcher: agent });
      return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
    };
    assert.deepEqual(await get('/_sim/stats'), { status: 401, body: { error: 'unauthorized' } });
    assert.equal((await get('/_sim/stats', { 'x-sim-control-token': 'wrong' })).status, 401);
    assert.equal((await get('/_sim/stats', { 'x-sim-control-token': 's3cret-and-more' })).status, 401);
    const post = await request(`${sim.url}/_sim/providers/sandbox/down`, { method: 'POST', dispatcher: agent });
    assert.equal(post.statusCode, 401);
    await post.body.dump();
    assert.equal(sim.provider('sandbox').faults().down, null, 'an unauthorised control call changes nothing');

    const ok = await get('/_sim/stats', { 'x-sim-control-token': 's3cret' });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.calls, 0);

    const res = await request(`${sim.provider('sandbox').baseUrl}/v1/verifications/vpa`, {
      method: 'POST',
      body: JSON.stringify({ reference: 'r-token', vpa: 'a@b' }),
      dispatcher: agent,
    });
    assert.equal(res.statusCode, 200);
    await res.body.dump();
  });

  it('applies starting faults for all providers and per provider', async () => {
    const sim = await start({
      providers: [createSandboxSim(), createEchoSim()],
      faults: { '*': { errorRate: 1, errorStatus: 502 }, echo: { errorRate: 0 } },
    });
    assert.equal(sim.provider('sandbox').faults().errorRate, 1);
    assert.equal(sim.provider('echo').faults().errorRate, 0);
    assert.equal(sim.provider('echo').faults().errorStatus, 502);
    const res = await request(`${sim.url}/sandbox/v1/verifications/vpa`, {
      method: 'POST',
      body: JSON.stringify({ reference: 'r-start', vpa: 'a@b' }),
      dispatcher: agent,
    });
    assert.equal(res.statusCode, 502);
    await res.body.dump();
  });

  it('draws fractional rates from the injected random source', async () => {
    const sim = await start({ providers: [createEchoSim()], random: () => 0.3, faults: { echo: { errorRate: 0.5, errorStatus: 500 } } });
    const status = async () => {
      const res = await request(`${sim.url}/echo/x`, { dispatcher: agent });
      await res.body.dump();
      return res.statusCode;
    };
    for (let i = 0; i < 3; i++) assert.equal(await status(), 500);
    sim.provider('echo').setFaults({ errorRate: 0.2 });
    for (let i = 0; i < 3; i++) assert.equal(await status(), 200);
  });

  it('refuses bad provider names, duplicates and bad starting faults', async () => {
    const named = (name: string): SimProvider => ({ ...createEchoSim(), name });
    await assert.rejects(startPartnerSimulator({ providers: [named('Bad Name')] }), /bad or duplicate provider name/);
    await assert.rejects(startPartnerSimulator({ providers: [named('_sim')] }), /bad or duplicate provider name/);
    await assert.rejects(startPartnerSimulator({ providers: [named('dup'), named('dup')] }), /bad or duplicate provider name "dup"/);
    await assert.rejects(startPartnerSimulator({ providers: [named('ok')], faults: { ok: { errorRate: 3 } } }), /errorRate/);
  });

  it('closes promptly while clients without a deadline are held by a hang and by latency', async () => {
    const local = await startPartnerSimulator({ providers: [createEchoSim(), createSandboxSim()], faults: { sandbox: { latency: { kind: 'fixed', ms: 60_000 } } } });
    const stuck = Promise.all([
      fetch(`${local.provider('echo').baseUrl}/hang`).catch((e: unknown) => e),
      fetch(`${local.provider('sandbox').baseUrl}/v1/verifications/vpa`, {
        method: 'POST',
        body: JSON.stringify({ reference: 'r-slow', vpa: 'a@b' }),
      }).catch((e: unknown) => e),
    ]);
    await until(() => local.inFlight() === 2);
    const started = Date.now();
    await local.close();
    assert.ok(Date.now() - started < 500);
    for (const outcome of await stuck) assert.ok(outcome instanceof Error, 'each stuck client sees its connection drop');
    assert.equal(local.inFlight(), 0);
  });
});
