export declare const DEFAULT_WORKER_CONCURRENCY: number;
export declare const BASE_HEAP_MB: number;
export declare const HEAP_PER_JOB_KB: number;
export declare function oldSpaceMb(env: Record<string, string | undefined>): number;
export declare function nodeFlags(env?: Record<string, string | undefined>): string[];
