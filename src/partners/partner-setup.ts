import { randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import type { Logger } from '../platform/logger.js';
import { guardPartner, type BreakerState, type GuardedPartner } from './partner-breaker.js';
import type { PartnerName, PartnerSettings } from './partner-config.js';
import { createPartnerRouter, type PartnerRouter } from './partner-router.js';
import type { PartnerConnector } from './partner-types.js';
import { createSandboxConnector } from './sandbox/sandbox-connector.js';
import { createCashfreeConnector } from './cashfree/cashfree-connector.js';
import { createRazorpayConnector } from './razorpay/razorpay-connector.js';
import { startPartnerSimulator, type PartnerSimulator } from './simulator/sim-server.js';
import { createSandboxSim } from './simulator/providers/sandbox-sim.js';
import { createCashfreeSim } from './simulator/providers/cashfree-sim.js';
import { createRazorpaySim } from './simulator/providers/razorpay-sim.js';

export interface PartnerSetup {
  /** Live keys' validations: the configured partners. */
  router: PartnerRouter;
  /** Test keys' validations: the sandbox partner alone, with a breaker of its own. */
  testRouter: PartnerRouter;
  /** In priority order. */
  partners: readonly GuardedPartner[];
  get(name: string): GuardedPartner | undefined;
  /** Present when a partner without a base URL is served by a simulator inside this process. */
  simulator: PartnerSimulator | null;
  close(): Promise<void>;
}

export interface PartnerSetupHooks {
  onBreakerStateChange?(partner: string, state: BreakerState): void;
}

// The simulated RazorpayX account payval "pays from" when none is configured.
const SIM_RAZORPAY_ACCOUNT = '7878780080316316';

/**
 * Builds one connector and one breaker per configured partner, and the router over them. Partners
 * are always reached over real HTTP, so timeouts and breakers behave as they would with a bank:
 * a partner without a base URL is served by the simulator embedded on a loopback port, with
 * throw-away credentials that both sides share.
 */
export async function startPartners(config: Config, logger: Logger, hooks: PartnerSetupHooks = {}): Promise<PartnerSetup> {
  const settings = config.partners.enabled;
  const testMode = config.partners.testMode;
  const embedded = [...settings, testMode].filter((s) => s.baseUrl === null);
  const credentials = new Map<PartnerName, Record<string, string>>([testMode, ...settings].map((s) => [s.name, { ...s.credentials }]));
  let simulator: PartnerSimulator | null = null;
  if (embedded.length > 0) {
    for (const s of embedded) fillSimCredentials(s.name, credentials.get(s.name)!);
    const creds = (name: PartnerName) => credentials.get(name) ?? {};
    simulator = await startPartnerSimulator({
      port: config.partners.simPort,
      host: '127.0.0.1',
      providers: [
        createSandboxSim(optional({ apiKey: creds('sandbox').apiKey })),
        createCashfreeSim(optional({ clientId: creds('cashfree').clientId, clientSecret: creds('cashfree').clientSecret })),
        createRazorpaySim(optional({ keyId: creds('razorpay').keyId, keySecret: creds('razorpay').keySecret })),
      ],
    });
    logger.info({ url: simulator.url, partners: [...new Set(embedded.map((s) => s.name))] }, 'embedded partner simulator listening');
  }

  const guarded = (s: PartnerSettings, mode: 'live' | 'test') => {
    const baseUrl = s.baseUrl ?? simulator!.provider(s.name).baseUrl;
    const connector = createConnector(s, baseUrl, credentials.get(s.name)!, config.partners.connectTimeoutMs);
    return guardPartner(
      connector,
      { callTimeoutMs: s.callTimeoutMs, ...s.breaker },
      {
        onStateChange: (name, state) => {
          // Logged once per transition, by the process whose calls caused it.
          logger.warn({ partner: name, mode, state }, 'partner circuit breaker changed state');
          if (mode === 'live') hooks.onBreakerStateChange?.(name, state);
        },
      },
    );
  };
  const partners = settings.map((s) => guarded(s, 'live'));
  const routerOptions = { authCooldownMs: config.partners.authCooldownMs, maxPauseMs: config.partners.maxRetryAfterMs };
  const router = createPartnerRouter({ partners, railPriority: config.partners.railPriority, ...routerOptions });
  // Its own breaker and pauses: test traffic can neither trip nor pause what live traffic uses.
  const sandbox = guarded(testMode, 'test');
  const testRouter = createPartnerRouter({ partners: [sandbox], ...routerOptions });
  return {
    router,
    testRouter,
    partners,
    get: (name) => router.get(name),
    simulator,
    async close() {
      await Promise.all([...partners, sandbox].map((p) => p.shutdown()));
      if (simulator) await simulator.close();
    },
  };
}

function createConnector(s: PartnerSettings, baseUrl: string, c: Record<string, string>, connectTimeoutMs: number): PartnerConnector {
  switch (s.name) {
    case 'sandbox':
      return createSandboxConnector({ baseUrl, connectTimeoutMs, rails: s.rails, ...optional({ apiKey: c.apiKey }) });
    case 'cashfree':
      return createCashfreeConnector({ baseUrl, connectTimeoutMs, rails: [...s.rails], clientId: c.clientId ?? '', clientSecret: c.clientSecret ?? '' });
    case 'razorpay':
      return createRazorpayConnector({
        baseUrl,
        connectTimeoutMs,
        rails: [...s.rails],
        keyId: c.keyId ?? '',
        keySecret: c.keySecret ?? '',
        sourceAccountNumber: c.sourceAccountNumber ?? SIM_RAZORPAY_ACCOUNT,
      });
  }
}

/** Random credentials for a simulated partner, unless some were configured (to exercise auth). */
function fillSimCredentials(name: PartnerName, c: Record<string, string>): void {
  const secret = () => randomBytes(18).toString('base64url');
  if (name === 'sandbox') c.apiKey ??= secret();
  if (name === 'cashfree') {
    c.clientId ??= `CF_SIM_${secret()}`;
    c.clientSecret ??= secret();
  }
  if (name === 'razorpay') {
    c.keyId ??= `rzp_test_${secret()}`;
    c.keySecret ??= secret();
    c.sourceAccountNumber ??= SIM_RAZORPAY_ACCOUNT;
  }
}

function optional<T extends Record<string, string | undefined>>(o: T): { [K in keyof T]?: string } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as { [K in keyof T]?: string };
}
