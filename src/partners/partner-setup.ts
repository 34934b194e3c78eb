import type { Config } from '../config.js';
import type { Logger } from '../platform/logger.js';
import { guardPartner, type GuardedPartner } from './partner-breaker.js';
import { createSandboxConnector } from './sandbox/sandbox-connector.js';
import { startSandboxServer, type SandboxServer } from './sandbox/sandbox-server.js';

export interface PartnerSetup {
  partner: GuardedPartner;
  /** Present when the sandbox partner runs inside this process. */
  sandbox: SandboxServer | null;
  close(): Promise<void>;
}

/**
 * The sandbox partner is always reached over real HTTP, so its timeouts and the breaker behave as they
 * would with a bank: embedded on a loopback port by default, or an external `payval partner-sim`
 * when PARTNER_SANDBOX_URL is set.
 */
export async function startPartners(config: Config, logger: Logger): Promise<PartnerSetup> {
  const { sandbox: sandboxConfig } = config.partners;
  const sandbox = sandboxConfig.url
    ? null
    : await startSandboxServer({ port: sandboxConfig.port, host: '127.0.0.1', ...(sandboxConfig.apiKey ? { apiKey: sandboxConfig.apiKey } : {}) });
  const baseUrl = sandboxConfig.url ?? sandbox!.url;
  const connector = createSandboxConnector({
    baseUrl,
    connectTimeoutMs: config.partners.connectTimeoutMs,
    ...(sandboxConfig.apiKey ? { apiKey: sandboxConfig.apiKey } : {}),
  });
  const partner = guardPartner(
    connector,
    { callTimeoutMs: config.partners.callTimeoutMs, ...config.partners.breaker },
    { onStateChange: (name, state) => logger.warn({ partner: name, state }, 'partner circuit breaker changed state') },
  );
  if (sandbox) logger.info({ url: sandbox.url }, 'embedded sandbox partner listening');
  return {
    partner,
    sandbox,
    async close() {
      await partner.shutdown();
      if (sandbox) await sandbox.close();
    },
  };
}
