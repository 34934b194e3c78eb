import { Counter, type Registry } from 'prom-client';

/** Rows whose personal data retention or erasure purged, by table (labels are table names only). */
export function createPurgeCounter(registry: Registry): (table: string, n: number) => void {
  const purged = new Counter({
    name: 'payval_personal_data_purged_total',
    help: 'Rows whose personal data was purged (retention or erasure), by table',
    labelNames: ['table', 'reason'],
    registers: [registry],
  });
  return (table, n) => {
    if (n > 0) purged.inc({ table, reason: 'retention' }, n);
  };
}
