// Looks for personal values everywhere payval keeps anything: every text column of every table (read
// from information_schema, so a new table is scanned without anyone listing it), every Redis key and
// value under the test's prefix (BullMQ's job data and event streams included), and every log line.
// Values are searched as written, in upper and lower case and JSON-escaped.

import { randomInt } from 'node:crypto';
import type { Db } from '../../src/platform/db.js';
import type { TestContext } from './test-stack.js';

const TEXT_TYPES = ['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'json'];

function forms(value: string): string[] {
  const escaped = JSON.stringify(value).slice(1, -1);
  return [...new Set([value, value.toUpperCase(), value.toLowerCase(), escaped])];
}

const likePattern = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Where each value was found: `table.column`, `redis` or `logs`; empty when none is anywhere. */
export async function findPersonalData(db: Db, ctx: Pick<TestContext, 'dumpRedis' | 'logs'>, values: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  const [columns] = (await db.raw(
    `SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND DATA_TYPE IN (${TEXT_TYPES.map(() => '?').join(',')})`,
    TEXT_TYPES,
  )) as unknown as [Array<{ t: string; c: string }>];
  if (columns.length < 50) throw new Error(`the scan read only ${columns.length} text columns: is this the migrated database?`);
  for (const { t, c } of columns) {
    for (const value of values) {
      for (const form of forms(value)) {
        // CAST: JSON columns compare as text on both servers; LOWER on both sides finds any case.
        const [rows] = (await db.raw(`SELECT COUNT(*) AS n FROM ?? WHERE LOWER(CAST(?? AS CHAR)) LIKE LOWER(?)`, [t, c, likePattern(form)])) as unknown as [Array<{ n: number }>];
        if (Number(rows[0]!.n) > 0) found.push(`${t}.${c}: ${value}`);
      }
    }
  }
  const redis = (await ctx.dumpRedis()).toLowerCase();
  const logs = ctx.logs.text().toLowerCase();
  for (const value of values) {
    if (forms(value).some((f) => redis.includes(f.toLowerCase()))) found.push(`redis: ${value}`);
    if (forms(value).some((f) => logs.includes(f.toLowerCase()))) found.push(`logs: ${value}`);
  }
  return [...new Set(found)];
}

/** Random lower-case letters: a name or VPA no other test (or run) uses, so a scan's hit is this test's. */
export const uniqueLetters = (n: number): string => Array.from({ length: n }, () => String.fromCharCode(97 + randomInt(26))).join('');
/** A random 12-digit account number ending in `suffix`. */
export const uniqueAccount = (suffix = '7652'): string => `${randomInt(10_000_000, 99_999_999)}${suffix}`;
