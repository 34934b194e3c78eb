// What the home page reads besides validations: batches in progress, partner circuits as workers last
// reported them, and BullMQ queue depth.
import type { Redis } from 'ioredis';
import type { Db } from '../platform/db.js';
import { scopeWhere, type ModeScope } from '../platform/mode-scope.js';
import type { BatchService } from '../batches/batch-service.js';
import { toBatchView } from '../batches/batch-view.js';
import { readPartnerHealth, type PartnerHealth } from '../partners/partner-health-board.js';

interface CountableQueue { name: string; getJobCounts(...types: string[]): Promise<Record<string, number>> }

export interface QueueDepth { name: string; waiting: number; active: number; delayed: number }

export function createConsoleOverview(deps: { db: Db; batches: BatchService; redis: Redis; healthKey: string; queues: CountableQueue[] }) {
  return {
    async batchesInProgress(scope: ModeScope, limit: number) {
      const ids: string[] = await deps.db('batches').where(scopeWhere(scope)).whereIn('status', ['accepting', 'processing']).orderBy('id', 'desc').limit(limit).pluck('id');
      return Promise.all(ids.map(async (id) => toBatchView(await deps.batches.get(scope, id), [])));
    },
    partnerHealth(): Promise<PartnerHealth[]> {
      return readPartnerHealth(deps.redis, deps.healthKey).catch(() => []);
    },
    async queueDepth(): Promise<QueueDepth[]> {
      return Promise.all(
        deps.queues.map(async (q) => {
          const c = await q.getJobCounts('waiting', 'prioritized', 'active', 'delayed').catch(() => ({}) as Record<string, number>);
          return { name: q.name, waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0 };
        }),
      );
    },
  };
}

export type ConsoleOverview = ReturnType<typeof createConsoleOverview>;
