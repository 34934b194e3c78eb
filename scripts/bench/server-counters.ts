// MySQL status counters and Redis command counts per operation: snapshots before and after a phase,
// minus what the same processes do when idle (BullMQ's blocking polls, the sweeper) over as long.
// Exact only on servers nobody else uses (see private-servers.ts).
import { Redis } from 'ioredis';
import knexFactory from 'knex';

const MYSQL_COUNTERS = [
  'Questions', 'Com_begin', 'Com_commit', 'Com_rollback', 'Com_select', 'Com_insert', 'Com_update', 'Com_delete',
  'Innodb_data_fsyncs', 'Innodb_os_log_fsyncs', 'Innodb_log_writes', 'Innodb_row_lock_waits', 'Innodb_row_lock_time',
  'Innodb_rows_read', 'Innodb_rows_inserted', 'Innodb_rows_updated', 'Innodb_deadlocks', 'Bytes_received', 'Bytes_sent',
];

export type Counters = Record<string, number>;
export interface Snapshot { at: number; mysql: Counters; redis: Counters }

export function createCounterProbe(mysqlBase: string, redisUrl: string) {
  const u = new URL(mysqlBase);
  const db = knexFactory({ client: 'mysql2', connection: { host: u.hostname, port: Number(u.port || 3306), user: u.username || 'root' }, pool: { min: 0, max: 1 } });
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  async function snapshot(): Promise<Snapshot> {
    const [rows] = (await db.raw('SHOW GLOBAL STATUS')) as [Array<{ Variable_name: string; Value: string }>];
    const mysql: Counters = {};
    for (const r of rows) if (MYSQL_COUNTERS.includes(r.Variable_name)) mysql[r.Variable_name] = Number(r.Value);
    const info = await redis.info('commandstats');
    const counts: Counters = { total: 0 };
    for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
      counts[m[1]!] = Number(m[2]);
      counts.total! += Number(m[2]);
    }
    return { at: performance.now(), mysql, redis: counts };
  }
  return { snapshot, close: async () => { redis.disconnect(); await db.destroy(); } };
}

const diff = (a: Counters, b: Counters): Counters => {
  const out: Counters = {};
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) out[k] = (b[k] ?? 0) - (a[k] ?? 0);
  return out;
};

/** (after − before − idle rate × phase length) ÷ operations, per counter. */
export function perOperation(before: Snapshot, after: Snapshot, ops: number, idle?: { from: Snapshot; to: Snapshot }): { mysql: Counters; redis: Counters } {
  const ms = after.at - before.at;
  const scale = idle ? ms / (idle.to.at - idle.from.at) : 0;
  const per = (d: Counters, bg: Counters) => {
    const out: Counters = {};
    for (const [k, v] of Object.entries(d)) {
      const value = (v - (bg[k] ?? 0) * scale) / ops;
      if (Math.abs(value) >= 0.005) out[k] = value;
    }
    return out;
  };
  const bgMysql = idle ? diff(idle.from.mysql, idle.to.mysql) : {};
  const bgRedis = idle ? diff(idle.from.redis, idle.to.redis) : {};
  return { mysql: per(diff(before.mysql, after.mysql), bgMysql), redis: per(diff(before.redis, after.redis), bgRedis) };
}

/** One column per phase, one line per counter seen in any phase. */
export function counterTable(columns: Record<string, Counters>): string {
  const names = Object.keys(columns);
  const keys = [...new Set(names.flatMap((n) => Object.keys(columns[n]!)))].sort((a, b) => (a === 'total' ? 1 : b === 'total' ? -1 : a.localeCompare(b)));
  const cell = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(2)).padStart(19);
  const head = `  ${''.padEnd(26)}${names.map((n) => n.slice(0, 14).padStart(19)).join('')}`;
  return [head, ...keys.map((k) => `  ${k.padEnd(26)}${names.map((n) => cell(columns[n]![k])).join('')}`)].join('\n');
}

const INNODB_STATUS = {
  waits: 'Innodb_row_lock_waits', timeMs: 'Innodb_row_lock_time', timeMaxMs: 'Innodb_row_lock_time_max', deadlocks: 'Innodb_deadlocks',
  diskReads: 'Innodb_buffer_pool_reads', pagesFlushed: 'Innodb_buffer_pool_pages_flushed', fsyncs: 'Innodb_data_fsyncs', waitFree: 'Innodb_buffer_pool_wait_free', logWaits: 'Innodb_log_waits',
} as const;
export type InnodbStatus = Record<keyof typeof INNODB_STATUS, number>;

/**
 * InnoDB's row-lock figures and the I/O that competes with every query (SHOW GLOBAL STATUS): all count
 * up since start-up, except `timeMaxMs`, the longest row-lock wait since start-up. NaN where the server
 * has no such variable (MySQL 8 has no Innodb_deadlocks).
 */
export async function innodbStatus(db: { raw(sql: string, bindings: string[]): Promise<unknown> }): Promise<InnodbStatus> {
  const names = Object.values(INNODB_STATUS);
  const [rows] = (await db.raw(`SHOW GLOBAL STATUS WHERE Variable_name IN (${names.map(() => '?').join(', ')})`, names)) as [Array<{ Variable_name: string; Value: string }>];
  const v = (name: string) => Number(rows.find((r) => r.Variable_name === name)?.Value ?? Number.NaN);
  return Object.fromEntries(Object.entries(INNODB_STATUS).map(([k, name]) => [k, v(name)])) as InnodbStatus;
}
