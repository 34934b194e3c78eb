import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { Agent, request, type Dispatcher } from 'undici';
import { createProgressBar, formatBytes, formatCount } from './progress-bar.js';

const USAGE = `Usage: payval upload FILE.csv [--url URL] [--wait] [--out results.csv] [--reference-id ID]
                    [--idempotency-key KEY] [--json]

Uploads a CSV of payees (type,account_number,ifsc,rail,vpa,name,reference_id) to POST /v1/batches.
  --url URL              API base URL (default: $PAYVAL_URL or http://127.0.0.1:3000)
  --wait                 Poll the batch every second until it is completed
  --out FILE             After completion (implies --wait), download the results CSV to FILE
  --reference-id ID      Your reference for the batch
  --idempotency-key KEY  Makes a retried upload return the first batch instead of creating another
  --json                 Print the final batch object as JSON on stdout
The API key is read from $PAYVAL_API_KEY. Exit codes: 0 ok, 1 API error, 64 usage error.
`;

interface Batch {
  id: string;
  status: 'accepting' | 'processing' | 'completed' | 'failed';
  reference_id: string | null;
  counts: { total: number; rejected: number; queued: number; processing: number; completed: number; failed: number };
  unique_validations?: number;
  rejected_rows?: Array<{ row: number; column: string | null; code: string; message: string }>;
  failure: { code: string; message: string } | null;
}

class ExitError extends Error {
  constructor(readonly exitCode: 1 | 64, message: string, readonly status?: number) {
    super(message);
  }
}

export async function uploadCommand(args: string[]): Promise<void> {
  const dispatcher = new Agent({ keepAliveTimeout: 10_000, headersTimeout: 0, bodyTimeout: 0 });
  try {
    await run(args, dispatcher);
  } catch (err) {
    if (!(err instanceof ExitError)) throw err;
    process.stderr.write(`payval upload: ${err.message}\n${err.exitCode === 64 ? `\n${USAGE}` : ''}`);
    process.exitCode = err.exitCode;
  } finally {
    await dispatcher.close();
  }
}

async function run(args: string[], dispatcher: Dispatcher): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        url: { type: 'string' }, wait: { type: 'boolean' }, out: { type: 'string' }, json: { type: 'boolean' },
        'reference-id': { type: 'string' }, 'idempotency-key': { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new ExitError(64, (err as Error).message);
  }
  const { values: opts, positionals } = parsed;
  if (opts.help) return void process.stdout.write(USAGE);
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new ExitError(64, 'expected exactly one FILE.csv');
  const apiKey = process.env.PAYVAL_API_KEY?.trim();
  if (!apiKey) throw new ExitError(64, 'set PAYVAL_API_KEY to your API key (pv_test_… or pv_live_…)');
  const base = opts.url ?? process.env.PAYVAL_URL ?? 'http://127.0.0.1:3000';
  if (!/^https?:\/\/[^/]/.test(base) || !URL.canParse(base)) throw new ExitError(64, `--url must be an http(s) URL, got "${base}"`);
  const url = (p: string) => new URL(p, base).toString();
  const size = await stat(file).then((s) => (s.isFile() ? s.size : -1), () => -1);
  if (size < 0) throw new ExitError(64, `cannot read file "${file}"`);
  const log = opts.json ? process.stderr : process.stdout;
  const auth = { authorization: `Bearer ${apiKey}` };

  // Count bytes as undici pulls them: with backpressure that is the rate the server ingests at.
  const bar = createProgressBar({ label: 'upload', total: size, format: formatBytes });
  let sent = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      sent += chunk.length;
      bar.update(sent);
      if (sent === size) bar.finish();
      cb(null, chunk);
    },
  });
  const { body, headers } = uploadBody(file, size, opts['reference-id'], counter);
  if (opts['idempotency-key']) headers['idempotency-key'] = opts['idempotency-key'];

  let batch = await call<Batch>(dispatcher, url('/v1/batches'), { method: 'POST', headers: { ...auth, ...headers }, body }, 202, () => bar.finish());
  bar.finish();
  printSummary(log, batch);

  if (opts.wait || opts.out) {
    const rows = createProgressBar({ label: 'validate', total: batch.counts.total - batch.counts.rejected, format: formatCount });
    let failures = 0;
    while (batch.status !== 'completed' && batch.status !== 'failed') {
      await new Promise((r) => setTimeout(r, 1000));
      try {
        batch = await call<Batch>(dispatcher, url(`/v1/batches/${encodeURIComponent(batch.id)}`), { method: 'GET', headers: auth }, 200);
        failures = 0;
      } catch (err) {
        // A restarting API or a network blip should not end a wait that may last many minutes; a 4xx will not heal.
        const status = err instanceof ExitError ? err.status : undefined;
        if ((status !== undefined && status < 500 && status !== 429) || ++failures >= 10) throw err;
        continue;
      }
      rows.update(batch.counts.completed + batch.counts.failed, batch.counts.total - batch.counts.rejected);
    }
    rows.update(batch.counts.completed + batch.counts.failed, batch.counts.total - batch.counts.rejected);
    rows.finish();
    const c = batch.counts;
    log.write(`batch ${batch.id} ${batch.status}: ${formatCount(c.completed)} completed, ${formatCount(c.failed)} failed, ${formatCount(c.rejected)} rejected\n`);
    if (batch.status === 'failed') {
      if (opts.json) process.stdout.write(`${JSON.stringify(batch)}\n`);
      throw new ExitError(1, `batch failed: ${batch.failure?.code ?? 'unknown'}: ${batch.failure?.message ?? ''}`);
    }
  }

  if (opts.out) {
    const res = await send(dispatcher, url(`/v1/batches/${encodeURIComponent(batch.id)}/results`), { method: 'GET', headers: { ...auth, accept: 'text/csv' } });
    if (res.statusCode !== 200) throw await apiError(res);
    await pipeline(res.body, createWriteStream(opts.out));
    log.write(`results written to ${opts.out}\n`);
  }
  if (opts.json) process.stdout.write(`${JSON.stringify(batch)}\n`);
}

/** Raw `text/csv`, or a streamed multipart body when a reference id must travel with the file. */
function uploadBody(file: string, size: number, referenceId: string | undefined, counter: Transform) {
  const fileStream = createReadStream(file, { highWaterMark: 256 * 1024 }).pipe(counter);
  if (referenceId === undefined) {
    return { body: fileStream as Readable, headers: { 'content-type': 'text/csv', 'content-length': String(size) } as Record<string, string> };
  }
  const boundary = `payval-${randomBytes(12).toString('hex')}`;
  const filename = path.basename(file).replace(/[^\x20-\x7e]|["\\]/g, '_');
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="reference_id"\r\n\r\n${referenceId}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: text/csv\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const body = Readable.from(
    (async function* () {
      yield head;
      for await (const chunk of fileStream) yield chunk as Buffer;
      yield tail;
    })(),
  );
  const headers: Record<string, string> = {
    'content-type': `multipart/form-data; boundary=${boundary}`,
    'content-length': String(head.length + size + tail.length),
  };
  return { body, headers };
}

type Options = { method: 'GET' | 'POST'; headers: Record<string, string>; body?: Readable };

async function send(dispatcher: Dispatcher, target: string, o: Options): Promise<Dispatcher.ResponseData> {
  try {
    return await request(target, { ...o, dispatcher });
  } catch (err) {
    const e = err as Error & { code?: string; cause?: { code?: string } };
    throw new ExitError(1, `${o.method} ${target} failed: ${e.cause?.code ?? e.code ?? e.message}`);
  }
}

async function call<T>(dispatcher: Dispatcher, target: string, o: Options, expected: number, onError?: () => void): Promise<T> {
  const res = await send(dispatcher, target, o).catch((err: unknown) => {
    onError?.();
    throw err;
  });
  if (res.statusCode !== expected) {
    onError?.();
    throw await apiError(res);
  }
  return (await res.body.json()) as T;
}

async function apiError(res: Dispatcher.ResponseData): Promise<ExitError> {
  const text = await res.body.text().catch(() => '');
  try {
    const { error } = JSON.parse(text) as { error: { code: string; message: string; request_id?: string; details?: unknown } };
    const details = error.details ? ` ${JSON.stringify(error.details)}` : '';
    return new ExitError(1, `HTTP ${res.statusCode} ${error.code}: ${error.message}${details}${error.request_id ? ` (request ${error.request_id})` : ''}`, res.statusCode);
  } catch {
    return new ExitError(1, `HTTP ${res.statusCode}: ${text.slice(0, 200) || 'no body'}`, res.statusCode);
  }
}

function printSummary(out: NodeJS.WritableStream, b: Batch): void {
  const { total, rejected } = b.counts;
  const unique = b.unique_validations === undefined ? '' : `, ${formatCount(b.unique_validations)} unique validations`;
  out.write(`batch ${b.id} ${b.status}${b.reference_id ? ` (reference ${b.reference_id})` : ''}\n`);
  out.write(`  rows: ${formatCount(total)} total, ${formatCount(total - rejected)} accepted, ${formatCount(rejected)} rejected${unique}\n`);
  const shown = (b.rejected_rows ?? []).slice(0, 5);
  if (shown.length) out.write(`  first rejected rows:\n`);
  for (const r of shown) out.write(`    row ${r.row}${r.column ? ` (${r.column})` : ''}: ${r.code}: ${r.message}\n`);
}
