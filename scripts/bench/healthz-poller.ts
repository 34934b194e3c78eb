// GET /healthz every `everyMs`, one at a time, from a worker thread (its own event loop): the latencies it
// reports are the server's, not those of the thread that is busy sending hostile bodies.
export interface PollerReport { count: number; failures: number; p50: number; p99: number; max: number }

export const POLLER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { url, everyMs } = workerData;
const latencies = [];
let failures = 0;
let stopping = false;
parentPort.on('message', () => { stopping = true; });
(async () => {
  while (!stopping) {
    const started = performance.now();
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status !== 200) failures++;
    } catch {
      failures++;
    }
    latencies.push(performance.now() - started);
    await new Promise((r) => setTimeout(r, everyMs));
  }
  const sorted = latencies.slice().sort((a, b) => a - b);
  const at = (q) => sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : NaN;
  parentPort.postMessage({ count: sorted.length, failures, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? NaN });
})();
`;
