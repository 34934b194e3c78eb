export type BatchStatus = 'accepting' | 'processing' | 'completed' | 'failed';
export type BatchSource = 'json' | 'csv';
/** The per-row buckets a validation's rows move through. */
export type RowBucket = 'queued' | 'processing' | 'completed' | 'failed';

export interface Batch {
  id: string;
  tenantId: string;
  /** The creating key's mode; every validation of the batch has it too. */
  livemode: boolean;
  status: BatchStatus;
  source: BatchSource;
  referenceId: string | null;
  metadata: Record<string, string> | null;
  webhookUrl: string | null;
  totalRows: number;
  /** Blank rows of a CSV upload: read and counted, not part of `totalRows`. */
  skippedRows: number;
  rejectedRows: number;
  acceptedRows: number;
  queuedRows: number;
  processingRows: number;
  completedRows: number;
  failedRows: number;
  uniqueValidations: number;
  feedCursor: string | null;
  feedDoneAt: Date | null;
  failureCode: string | null;
  failureMessage: string | null;
  createdAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
  /** When retention removed its metadata and row references; null: not purged. */
  purgedAt: Date | null;
}

/** A batch without its metadata (the client's free text, stored sealed): status and counts. */
export type BatchState = Omit<Batch, 'metadata'>;

export interface BatchRejection { row: number; column: string | null; code: string; message: string }
