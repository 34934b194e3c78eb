import { createRequire } from 'node:module';

export interface IfscInfo {
  ifsc: string;
  bankCode: string;
  bankName: string;
}

type BranchList = ReadonlyArray<string | number>;

interface Directory {
  branches: Map<string, Set<string>>;
  names: Map<string, string>;
  // Full IFSC → code of the bank that actually owns the branch (e.g. a district co-op bank
  // routed through a state bank's IFSC prefix).
  sublets: Map<string, string>;
}

const IFSC_FORMAT = /^[A-Z]{4}0[A-Z0-9]{6}$/;

let directory: Directory | undefined;

// Only the dataset files are required: the package's main module pulls in `request` and does
// network lookups.
function loadDirectory(): Directory {
  if (directory) return directory;
  const require = createRequire(import.meta.url);
  const raw = require('ifsc/src/IFSC.json') as Record<string, BranchList>;
  const names = require('ifsc/src/banknames.json') as Record<string, string>;
  const sublets = require('ifsc/src/sublet.json') as Record<string, string>;

  const branches = new Map<string, Set<string>>();
  for (const [bankCode, list] of Object.entries(raw)) {
    // Numeric branch codes are stored as numbers with their zero padding dropped.
    branches.set(bankCode, new Set(list.map((b) => (typeof b === 'number' ? String(b).padStart(6, '0') : b))));
  }
  directory = { branches, names: new Map(Object.entries(names)), sublets: new Map(Object.entries(sublets)) };
  return directory;
}

export function isIfscFormat(ifsc: string): boolean {
  return IFSC_FORMAT.test(ifsc);
}

export function lookupIfsc(ifsc: string): IfscInfo | undefined {
  if (!isIfscFormat(ifsc)) return undefined;
  const dir = loadDirectory();
  const prefix = ifsc.slice(0, 4);
  if (!dir.branches.get(prefix)?.has(ifsc.slice(5))) return undefined;
  const bankCode = dir.sublets.get(ifsc) ?? prefix;
  return { ifsc, bankCode, bankName: dir.names.get(bankCode) ?? bankCode };
}

/** Loads the dataset now (~40 ms, ~50 MB) so the first request after start-up does not pay for it. */
export function warmIfscDirectory(): void {
  loadDirectory();
}
