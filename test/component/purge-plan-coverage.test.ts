// Every text column of the migrated schema is classified by the purge plan: purged, rewritten or kept
// with a reason. A migration that adds a column nobody classified fails here, before personal data can
// land somewhere retention and erasure do not know about.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Runtime } from '../../src/runtime.js';
import { createTestContext, type TestContext } from '../helpers/test-stack.js';
import { DELETED_ROWS, KEPT_TEXT_COLUMNS, PURGED_COLUMNS, REWRITTEN_COLUMNS } from '../../src/privacy/purge-plan.js';

let ctx: TestContext;
let rt: Runtime;
before(async () => {
  ctx = await createTestContext();
  rt = await ctx.start({ ROLE: 'api' });
});
after(() => ctx.close());

const TEXT_TYPES = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'json', 'blob', 'mediumblob', 'longblob', 'varbinary', 'binary']);

it('classifies every text column of every table', async () => {
  const [rows] = (await rt.db.raw('SELECT TABLE_NAME AS t, COLUMN_NAME AS c, DATA_TYPE AS d FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()')) as unknown as [Array<{ t: string; c: string; d: string }>];
  assert.ok(rows.length > 50, 'the schema was read');
  const classified = (table: string, column: string): boolean => {
    const lists = [PURGED_COLUMNS, REWRITTEN_COLUMNS] as Array<Record<string, readonly string[]>>;
    if (lists.some((l) => l[table]?.includes(column))) return true;
    const kept = KEPT_TEXT_COLUMNS[table];
    return kept !== undefined && (column in kept || '*' in kept);
  };
  const missing = rows.filter((r) => TEXT_TYPES.has(r.d.toLowerCase()) && !classified(r.t, r.c)).map((r) => `${r.t}.${r.c} (${r.d})`);
  assert.deepEqual(missing, [], 'text columns the purge plan does not classify (src/privacy/purge-plan.ts)');
  // And the plan names nothing that does not exist (a renamed column would silently stop being purged).
  const existing = new Set(rows.map((r) => `${r.t}.${r.c}`));
  const named = [...Object.entries(PURGED_COLUMNS), ...Object.entries(REWRITTEN_COLUMNS)].flatMap(([t, cs]) => cs.map((c) => `${t}.${c}`));
  assert.deepEqual(named.filter((n) => !existing.has(n)), [], 'purge-plan columns missing from the schema');
  const kept = Object.entries(KEPT_TEXT_COLUMNS).flatMap(([t, cs]) => Object.keys(cs).filter((c) => c !== '*').map((c) => `${t}.${c}`));
  assert.deepEqual(kept.filter((n) => !existing.has(n)), [], 'kept columns missing from the schema');
  const tables = new Set(rows.map((r) => r.t));
  assert.deepEqual(DELETED_ROWS.filter((t) => !tables.has(t)), []);
});
