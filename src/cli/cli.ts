import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { createDb } from '../platform/db.js';
import { migrateAs, PendingMigrationsError, prepareSchema } from '../platform/database-startup.js';
import { createLogger } from '../platform/logger.js';
import { MIGRATIONS_FROM } from '../platform/migration-source.js';
import { ApiKeyNotFoundError, createTenantService, TenantNotFoundError } from '../tenants/tenant-service.js';
import { PARTNER_SIM_USAGE, PartnerSimUsageError } from './partner-sim-command.js';
import { USERS_USAGE, UsersUsageError } from './users-command.js';
import { ENCRYPTION_KEY_COMMANDS, KEYS_USAGE, KeysUsageError } from './keys-command.js';

const USAGE = `Usage: payval <command> [options]

Commands:
  serve                               Run the service (ROLE=all|api|worker); what \`npm start\` does
  migrate                             Create the database if missing and apply migrations
                                      (as MIGRATIONS_DATABASE_URL when set, else DATABASE_URL)
  tenants create --name NAME [--live] [--json]
                                      Create a tenant and print its first API key (shown once)
  keys create --tenant ID [--live] [--json]
                                      Create another API key for a tenant (shown once)
  keys revoke KEY_ID [--json]         Revoke an API key; it stops working within AUTH_KEY_CACHE_MS (1 s)
${KEYS_USAGE}
${USERS_USAGE}
  upload FILE.csv [--wait] [--out results.csv] [--reference-id ID] [--url URL] [--json]
                                      Upload a CSV batch to a running payval (key from PAYVAL_API_KEY)
${PARTNER_SIM_USAGE}
Configuration comes from environment variables (DATABASE_URL, REDIS_URL, …); see README.md.
`;

class UsageError extends Error {}

function config(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`payval: ${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
}

/** Runs `work` on the configured database, readied first as `serve` does (migrated, or checked when DATABASE_MIGRATE_ON_START=false). */
async function withDb<T>(work: (db: ReturnType<typeof createDb>) => Promise<T>): Promise<T> {
  const c = config();
  const db = createDb(c.database.url, 2);
  try {
    await prepareSchema(db, c.database);
    return await work(db);
  } finally {
    await db.destroy();
  }
}

function print(json: boolean, data: Record<string, unknown>, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(data)}\n` : `${text}\n`);
}

export async function runCli(argv: string[]): Promise<void> {
  const [command, sub, ...rest] = argv;
  try {
    switch (command) {
      case 'serve': {
        const { serve } = await import('../main.js');
        await serve();
        return;
      }
      case 'migrate': {
        const c = config();
        const applied = await migrateAs(c.database.migrationsUrl ?? c.database.url);
        process.stdout.write(applied.length ? `applied from ${MIGRATIONS_FROM}: ${applied.join(', ')}\n` : 'database is up to date\n');
        return;
      }
      case 'tenants': {
        if (sub !== 'create') throw new UsageError('expected: tenants create --name NAME');
        const { values } = parseArgs({ args: rest, options: { name: { type: 'string' }, live: { type: 'boolean' }, json: { type: 'boolean' } } });
        const name = values.name?.trim();
        if (!name || name.length > 200) throw new UsageError('--name is required (1–200 characters)');
        const t = await withDb((db) => createTenantService(db).createTenant(name, values.live ? 'live' : 'test'));
        print(
          !!values.json,
          { tenant_id: t.tenantId, name: t.name, key_id: t.keyId, api_key: t.apiKey, mode: t.mode },
          `tenant ${t.tenantId} (${t.name}) created\nAPI key ${t.keyId}: ${t.apiKey}\nStore the key now: it is shown only once.`,
        );
        return;
      }
      case 'keys': {
        if (sub !== undefined && ENCRYPTION_KEY_COMMANDS.has(sub)) {
          const { keysCommand } = await import('./keys-command.js');
          await keysCommand([sub, ...rest], config(), withDb);
          return;
        }
        if (sub === 'create') {
          const { values } = parseArgs({ args: rest, options: { tenant: { type: 'string' }, live: { type: 'boolean' }, json: { type: 'boolean' } } });
          if (!values.tenant) throw new UsageError('--tenant is required');
          const k = await withDb((db) => createTenantService(db).createKey(values.tenant!, values.live ? 'live' : 'test'));
          print(!!values.json, { tenant_id: k.tenantId, key_id: k.keyId, api_key: k.apiKey, mode: k.mode }, `API key ${k.keyId}: ${k.apiKey}\nStore the key now: it is shown only once.`);
          return;
        }
        if (sub === 'revoke') {
          const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { json: { type: 'boolean' } } });
          const keyId = positionals[0];
          if (!keyId) throw new UsageError('expected: keys revoke KEY_ID');
          const r = await withDb((db) => createTenantService(db).revokeKey(keyId));
          print(!!values.json, { key_id: keyId, revoked: r.revoked }, r.revoked ? `API key ${keyId} revoked` : `API key ${keyId} was already revoked`);
          return;
        }
        throw new UsageError('expected: keys create|revoke|rotate|status|retire-check|reindex|encrypt-personal');
      }
      case 'users': {
        const { usersCommand } = await import('./users-command.js');
        await usersCommand([sub ?? '', ...rest], config(), withDb);
        return;
      }
      case 'upload': {
        const { uploadCommand } = await import('./upload-command.js');
        await uploadCommand(argv.slice(1));
        return;
      }
      case 'partner-sim': {
        const { partnerSimCommand } = await import('./partner-sim-command.js');
        await partnerSimCommand(sub === undefined ? [] : [sub, ...rest]);
        return;
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError || err instanceof PartnerSimUsageError || err instanceof UsersUsageError || err instanceof KeysUsageError) {
      process.stderr.write(`payval: ${err.message}\n\n${USAGE}`);
      process.exit(64);
    }
    if (err instanceof PendingMigrationsError) {
      process.stderr.write(`payval: ${err.message}\n`);
      process.exit(78);
    }
    if (err instanceof TenantNotFoundError || err instanceof ApiKeyNotFoundError) {
      process.stderr.write(`payval: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
