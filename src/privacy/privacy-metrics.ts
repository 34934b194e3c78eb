import { Counter, type Registry } from 'prom-client';

export type PurgeReason = 'retention' | 'erasure';
export type PurgeTable = 'validations' | 'batches' | 'batch_rows' | 'webhook_events';

/** Rows whose personal data retention or erasure purged, by table and reason (table names and reasons only). */
export function createPurgeCounter(registry: Registry): (reason: PurgeReason) => (table: PurgeTable, n: number) => void {
  const purged = new Counter({
    name: 'payval_personal_data_purged_total',
    help: 'Rows whose personal data was purged, by table and reason (retention or erasure)',
    labelNames: ['table', 'reason'],
    registers: [registry],
  });
  return (reason) => (table, n) => {
    if (n > 0) purged.inc({ table, reason }, n);
  };
}
