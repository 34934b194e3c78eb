// `payval partner-sim`: the partner simulator as its own process, for running workers against it,
// demos, and fault-injection runs. Faults can be set at start with flags and changed while it runs
// through its control endpoint (POST /_sim/providers/<name>/faults|down|up, GET /_sim/stats).

import { parseArgs } from 'node:util';
import { createLogger } from '../platform/logger.js';
import { startPartnerSimulator } from '../partners/simulator/sim-server.js';
import { mergeFaults, NO_FAULTS, type SimFaults } from '../partners/simulator/sim-faults.js';
import { createSandboxSim } from '../partners/simulator/providers/sandbox-sim.js';
import { createCashfreeSim } from '../partners/simulator/providers/cashfree-sim.js';
import { createRazorpaySim } from '../partners/simulator/providers/razorpay-sim.js';

export const PARTNER_SIM_USAGE = `  partner-sim [--port N] [--host H] [--provider NAME] [fault flags] [credential flags]
                                      Run the partner simulator (sandbox, cashfree and razorpay
                                      contracts under /sandbox, /cashfree, /razorpay). Fault flags,
                                      for --provider NAME or all: --latency MS|uniform:MIN:MAX|
                                      lognormal:MEDIAN:P99, --error-rate R, --error-status N,
                                      --rate-limit-rate R, --retry-after S, --hang-rate R,
                                      --reset-rate R, --malformed-rate R, --ambiguous-rate R,
                                      --down reset|503|hang. Credentials: --sandbox-api-key,
                                      --cashfree-client-id/--cashfree-client-secret,
                                      --razorpay-key-id/--razorpay-key-secret. --control-token T
                                      protects /_sim/*.
`;

const RATE_FLAGS: Record<string, keyof SimFaults> = {
  'error-rate': 'errorRate',
  'rate-limit-rate': 'rateLimitRate',
  'hang-rate': 'hangRate',
  'reset-rate': 'resetRate',
  'malformed-rate': 'malformedRate',
  'ambiguous-rate': 'ambiguousRate',
};

export class PartnerSimUsageError extends Error {}

export async function partnerSimCommand(args: string[]): Promise<void> {
  const str = { type: 'string' } as const;
  const { values } = parseArgs({
    args,
    options: {
      port: str,
      host: str,
      provider: str,
      latency: str,
      'latency-ms': str,
      'error-status': str,
      'retry-after': str,
      down: str,
      ...Object.fromEntries(Object.keys(RATE_FLAGS).map((k) => [k, str])),
      'api-key': str,
      'sandbox-api-key': str,
      'cashfree-client-id': str,
      'cashfree-client-secret': str,
      'razorpay-key-id': str,
      'razorpay-key-secret': str,
      'control-token': str,
    },
  });
  const v = values as Record<string, string | undefined>;
  const port = Number(v.port ?? 4010);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new PartnerSimUsageError('--port must be 0–65535');

  const patch: Record<string, unknown> = {};
  const latency = v.latency ?? v['latency-ms'];
  if (latency !== undefined) patch.latency = latency;
  for (const [flag, key] of Object.entries(RATE_FLAGS)) if (v[flag] !== undefined) patch[key] = Number(v[flag]);
  if (v['error-status'] !== undefined) patch.errorStatus = Number(v['error-status']);
  if (v['retry-after'] !== undefined) patch.retryAfterSeconds = Number(v['retry-after']);
  if (v.down !== undefined) patch.down = v.down;
  try {
    mergeFaults({ ...NO_FAULTS }, patch);
  } catch (e) {
    throw new PartnerSimUsageError((e as Error).message);
  }

  const opt = (value: string | undefined, key: string) => (value ? { [key]: value } : {});
  const sim = await startPartnerSimulator({
    port,
    host: v.host ?? '127.0.0.1',
    providers: [
      createSandboxSim(opt(v['sandbox-api-key'] ?? v['api-key'], 'apiKey')),
      createCashfreeSim({ ...opt(v['cashfree-client-id'], 'clientId'), ...opt(v['cashfree-client-secret'], 'clientSecret') }),
      createRazorpaySim({ ...opt(v['razorpay-key-id'], 'keyId'), ...opt(v['razorpay-key-secret'], 'keySecret') }),
    ],
    faults: { [v.provider ?? '*']: patch },
    ...opt(v['control-token'], 'controlToken'),
  });
  const logger = createLogger('info');
  logger.info(
    { url: sim.url, providers: Object.fromEntries(sim.providerNames().map((n) => [n, sim.provider(n).baseUrl])) },
    `partner simulator listening on ${sim.url}`,
  );
  const stop = () => void sim.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
