// `payval keys rotate|status|retire-check|reindex|encrypt-personal`: the encryption and blind-index keys
// behind the stored data, and the one-off encryption of personal data stored in clear before decision
// 0039 (the API-key commands `keys create|revoke` stay in cli.ts). The runbook is the README's
// "Rotating keys".
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import type { Config } from '../config.js';
import type { Db } from '../platform/db.js';
import { createFieldCipher } from '../platform/field-cipher.js';
import { createLogger } from '../platform/logger.js';
import { KEY_ROTATION, rotateKeys } from '../privacy/key-rotation.js';
import { BLIND_INDEX_REINDEX, reindexBlindIndex } from '../privacy/blind-index-reindex.js';
import { ciphertextInventory, retireCheck } from '../privacy/key-inventory.js';
import { ENCRYPT_PERSONAL, encryptPersonalData } from '../privacy/personal-backfill.js';
import { withRunLock, type RunResult } from '../privacy/lifecycle-run.js';
import type { KeyJobOptions } from '../privacy/key-job.js';
import { createProgressBar, formatCount, type ProgressBar } from './progress-bar.js';

export const KEYS_USAGE = `  keys rotate [--batch N] [--pause-ms M] [--max-passes P] [--json]
                                      Re-encrypt every stored ciphertext under ENCRYPTION_ACTIVE_KEY_ID
                                      in batches of N rows (default 500), pausing M ms (default 100,
                                      and never less than a batch took) between them; resumes a
                                      stopped run; ends with a pass that finds nothing left to do
  keys status [--json]                Ciphertexts per table, column and encryption key id
  keys retire-check KEY_ID [--json]   Exit 0 only when no stored ciphertext names KEY_ID and it is not
                                      the active key: it may then leave ENCRYPTION_KEYS
  keys reindex [--batch N] [--pause-ms M] [--max-passes P] [--json]
                                      Recompute blind indexes made with BLIND_INDEX_PREVIOUS_KEY under
                                      BLIND_INDEX_KEY, the same way as rotate
  keys encrypt-personal [--batch N] [--pause-ms M] [--max-passes P] [--json]
                                      Encrypt the VPAs, names, metadata, webhook payloads and stored
                                      idempotent answers written in clear before this release, under
                                      ENCRYPTION_ACTIVE_KEY_ID, the same way as rotate (once, after
                                      every process runs this release)`;

export const ENCRYPTION_KEY_COMMANDS = new Set(['rotate', 'status', 'retire-check', 'reindex', 'encrypt-personal']);

export class KeysUsageError extends Error {}

type WithDb = <T>(work: (db: Db) => Promise<T>) => Promise<T>;
type Values = { batch?: string; 'pause-ms'?: string; 'max-passes'?: string; json?: boolean };

function intFlag(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new KeysUsageError(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}

const out = (json: boolean, data: unknown, text: string) => process.stdout.write(json ? `${JSON.stringify(data)}\n` : `${text}\n`);

/**
 * Runs a key job under its database-wide lock with a progress bar per step on stderr, and prints the
 * outcome. Exit 1 when rows kept changing or some could not be handled (their warnings are on stderr).
 */
async function runJob(
  withDb: WithDb,
  kind: string,
  values: Values,
  json: boolean,
  what: string,
  start: (db: Db, o: KeyJobOptions) => Promise<RunResult>,
  unsettledHint = 'is a process still running with the old key?',
): Promise<void> {
  let bar: ProgressBar | null = null;
  const options: KeyJobOptions = {
    batch: intFlag(values.batch, 'batch', 500, 1, 5000),
    pauseMs: intFlag(values['pause-ms'], 'pause-ms', 100, 0, 60_000),
    maxPasses: intFlag(values['max-passes'], 'max-passes', 5, 2, 100),
    onProgress: (_row, counts) => bar?.update(counts.scanned),
    events: {
      stepStarted: (row, rows) => {
        bar = createProgressBar({ label: `pass ${row.pass} ${row.tableName}`, total: Math.max(rows, row.scanned), format: formatCount });
        if (row.scanned > 0) bar.update(row.scanned);
      },
      stepFinished: () => bar?.finish(),
    },
  };
  const result = await withDb((db) => withRunLock(db, kind, () => start(db, options)));
  if (result === null) {
    process.stderr.write(`payval: another ${what} is running against this database\n`);
    process.exitCode = 1;
    return;
  }
  const { passes, all, lastPass } = result.totals;
  const settled = result.outcome === 'done';
  out(json,
    { run_id: result.runId, outcome: result.outcome, resumed: result.resumed, passes, scanned: all.scanned, rewritten: all.changed, failed: lastPass.failed, skipped: lastPass.skipped },
    [
      `${what} ${result.runId}: ${settled ? `done after ${passes} pass${passes === 1 ? '' : 'es'}` : `rows were still changing after ${passes} passes (${unsettledHint}); run it again`}`,
      `rewrote ${formatCount(all.changed)} rows, scanned ${formatCount(all.scanned)}${lastPass.failed ? `; ${formatCount(lastPass.failed)} rows could not be handled (see the warnings above)` : ''}`,
    ].join('\n'));
  if (!settled || lastPass.failed > 0) process.exitCode = 1;
}

export async function keysCommand(args: string[], config: Config, withDb: WithDb): Promise<void> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { batch: { type: 'string' }, 'pause-ms': { type: 'string' }, 'max-passes': { type: 'string' }, json: { type: 'boolean' } },
  });
  const json = !!values.json;
  const cipher = createFieldCipher({ keys: config.crypto.keys, activeKeyId: config.crypto.activeKeyId });
  const configured = Object.keys(config.crypto.keys);
  const logger = createLogger(config.logLevel, pino.destination({ dest: 2, sync: true }));

  if (sub === 'status') {
    const inventory = await withDb((db) => ciphertextInventory(db));
    const lines = inventory.map((c) => {
      const counts = Object.entries(c.byKey).map(([k, n]) => `${k}: ${formatCount(n)}${configured.includes(k) ? '' : ' (not configured)'}`);
      return `${`${c.table}.${c.column}`.padEnd(50)} ${counts.join('  ') || '-'}`;
    });
    out(json, { active_key_id: cipher.activeKeyId, configured_key_ids: configured, columns: inventory.map((c) => ({ table: c.table, column: c.column, keys: c.byKey })) },
      [`active key: ${cipher.activeKeyId} (configured: ${configured.join(', ')})`, ...lines].join('\n'));
    return;
  }

  if (sub === 'retire-check') {
    const keyId = positionals[0];
    if (!keyId) throw new KeysUsageError('expected: keys retire-check KEY_ID');
    const check = retireCheck(await withDb((db) => ciphertextInventory(db)), keyId, cipher.activeKeyId);
    const why = check.active ? `${keyId} is the active key (ENCRYPTION_ACTIVE_KEY_ID)` : Object.entries(check.remaining).map(([c, n]) => `${c}: ${formatCount(n)}`).join(', ');
    out(json, { key_id: keyId, retirable: check.retirable, active: check.active, remaining: check.remaining },
      check.retirable ? `no stored ciphertext names ${keyId}: it can be removed from ENCRYPTION_KEYS` : `${keyId} is still needed: ${why}`);
    if (!check.retirable) process.exitCode = 1;
    return;
  }

  if (sub === 'rotate') {
    await runJob(withDb, KEY_ROTATION, values, json, `key rotation to ${cipher.activeKeyId}`, (db, o) => rotateKeys(db, {
      ...o,
      cipher,
      onFailure: (f) => logger.warn({ table: f.table, column: f.column, row: f.key, key_id: f.keyId }, 'key rotation: a ciphertext could not be decrypted with any configured key'),
    }));
    return;
  }

  if (sub === 'reindex') {
    const previousKey = config.crypto.previousBlindIndexKey;
    if (!previousKey) throw new KeysUsageError('keys reindex needs BLIND_INDEX_PREVIOUS_KEY: the blind-index key being replaced');
    await runJob(withDb, BLIND_INDEX_REINDEX, values, json, 'blind-index reindex', (db, o) => reindexBlindIndex(db, {
      ...o,
      cipher,
      previousKey,
      currentKey: config.crypto.blindIndexKey,
      onProblem: (p) => logger.warn({ validation_id: p.id, problem: p.problem }, p.problem === 'duplicate'
        ? 'blind-index reindex: the batch already holds this payee under the new index; left as it is'
        : 'blind-index reindex: the account number or VPA could not be decrypted with any configured key'),
    }));
    return;
  }
  if (sub === 'encrypt-personal') {
    await runJob(withDb, ENCRYPT_PERSONAL, values, json, 'encryption of personal data', (db, o) => encryptPersonalData(db, {
      ...o,
      cipher,
      onFailure: (f) => logger.warn({ table: f.table, column: f.column, row: f.key }, 'encrypt-personal: a stored answer\'s sealed secret could not be decrypted with any configured key'),
    }), 'is a process of an earlier release still writing?');
    return;
  }
  throw new KeysUsageError('expected: keys rotate|status|retire-check|reindex|encrypt-personal');
}
