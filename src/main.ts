import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger } from './platform/logger.js';
import { ListenError, startRuntime } from './runtime.js';
import { PendingMigrationsError } from './platform/database-startup.js';

/** `npm start`: ROLE=all (default) runs the API, the workers, the sweeper and the sandbox partner. */
export async function serve(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`payval: ${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled promise rejection'));

  let runtime;
  try {
    runtime = await startRuntime(config, logger);
  } catch (err) {
    if (err instanceof PendingMigrationsError) {
      // A deployment step is missing, not a fault: the configuration exit code, and no restart will fix it.
      logger.fatal({ pending: err.pending }, `payval could not start: ${err.message}`);
      process.stderr.write(`payval: ${err.message}\n`);
      process.exit(78);
    }
    if (err instanceof ListenError) {
      logger.fatal({ err }, `payval could not start: ${err.message}`);
      process.stderr.write(`payval: ${err.message}\n`);
    } else {
      logger.fatal({ err }, 'payval could not start (is MySQL at DATABASE_URL and Redis at REDIS_URL running?)');
    }
    process.exit(1);
  }
  logger.info({ role: config.role, url: runtime.url }, config.role === 'worker' ? `payval worker running (probes on ${runtime.url})` : `payval listening on ${runtime.url}`);

  let shuttingDown = false;
  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'shutting down gracefully');
    const force = setTimeout(() => {
      logger.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    runtime.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
