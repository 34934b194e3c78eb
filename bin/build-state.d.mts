// Types for bin/build-state.mjs (plain JavaScript, so it runs before anything is built).
export declare const BUILD_INFO: string;
export declare function sourceFingerprint(root: string): string | null;
export declare function buildState(root: string, outDir?: string): 'current' | 'stale' | 'missing';
