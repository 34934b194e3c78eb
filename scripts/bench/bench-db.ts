// A benchmark's own payval database: created, migrated, with the tenants it needs (live keys unless
// told otherwise), and the few direct reads the benchmarks make of the rows payval wrote.
import { createDb, ensureDatabase, migrateLatest, type Db } from '../../src/platform/db.js';
import { createTenantService } from '../../src/tenants/tenant-service.js';

export interface BenchTenant { name: string; tenantId: string; apiKey: string }

export async function prepareDatabase(dbUrl: string, tenants: string[], mode: 'live' | 'test' = 'live'): Promise<BenchTenant[]> {
  await ensureDatabase(dbUrl);
  const db = createDb(dbUrl, 2);
  try {
    await migrateLatest(db);
    const service = createTenantService(db, 'bench');
    const out: BenchTenant[] = [];
    for (const name of tenants) {
      const t = await service.createTenant(name, mode);
      out.push({ name, tenantId: t.tenantId, apiKey: t.apiKey });
    }
    return out;
  } finally {
    await db.destroy();
  }
}

/** Validation rows by status (all tenants). */
export async function statusCounts(db: Db): Promise<Record<string, number>> {
  const rows = (await db('validations').select('status').count({ n: '*' }).groupBy('status')) as Array<{ status: string; n: number | string }>;
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/** Completion times (epoch ms) of the final validations of these batches, ascending. */
export async function completionTimes(db: Db, batchIds: string[]): Promise<number[]> {
  const rows = (await db('validations').whereIn('batch_id', batchIds).whereNotNull('completed_at').orderBy('completed_at').select('completed_at')) as Array<{ completed_at: Date }>;
  return rows.map((r) => new Date(r.completed_at).getTime());
}
