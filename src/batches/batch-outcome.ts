import type { Response } from 'express';
import type { BatchCreateOutcome } from './batch-service.js';

/** The answer to a batch creation: 202 with the batch, or the stored answer of an idempotent replay. */
export function sendBatchOutcome(res: Response, outcome: BatchCreateOutcome): void {
  if (outcome.replayed) {
    res.set('Idempotent-Replayed', 'true').status(outcome.response.status).json(outcome.response.body);
    return;
  }
  res.status(outcome.status).json(outcome.body);
}
