import type { Writable } from 'node:stream';

export interface ProgressBar {
  update(done: number, total?: number): void;
  finish(): void;
}

export interface ProgressBarOptions {
  label: string;
  total: number;
  /** Formats an amount (`done`, `total`, or a per-second rate) for display. */
  format: (n: number) => string;
  stream?: Writable & { isTTY?: boolean; columns?: number };
}

export const formatBytes = (n: number): string =>
  n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(2)} GB` : n >= 1024 ** 2 ? `${(n / 1024 ** 2).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(1)} kB` : `${n} B`;

export const formatCount = (n: number): string => Math.round(n).toLocaleString('en-US');

/**
 * On a terminal: one line redrawn in place, at most every 100 ms. Anywhere else (CI logs, files):
 * a plain line at each 10 % step, so logs stay short and readable.
 */
export function createProgressBar(opts: ProgressBarOptions): ProgressBar {
  const out = opts.stream ?? process.stderr;
  const tty = !!out.isTTY;
  const started = Date.now();
  let total = opts.total;
  let done = 0;
  let lastDraw = 0;
  let lastStep = -1;
  let finished = false;

  const line = (): string => {
    const pct = total > 0 ? Math.min(1, done / total) : 0;
    const secs = Math.max(0.001, (Date.now() - started) / 1000);
    const figures = `${(pct * 100).toFixed(1).padStart(5)}% ${opts.format(done)}/${opts.format(total)} ${opts.format(done / secs)}/s`;
    if (!tty) return `${opts.label}: ${figures.trim()}`;
    const width = Math.max(10, Math.min(40, (out.columns || 80) - opts.label.length - figures.length - 5));
    const filled = Math.round(pct * width);
    return `${opts.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${figures}`;
  };

  const draw = (force: boolean): void => {
    if (tty) {
      if (!force && Date.now() - lastDraw < 100) return;
      lastDraw = Date.now();
      out.write(`\r${line()}\x1b[K`);
      return;
    }
    const step = total > 0 ? Math.floor((done / total) * 10) : 0;
    if (force || step > lastStep) {
      lastStep = step;
      out.write(`${line()}\n`);
    }
  };

  return {
    update(n, newTotal) {
      if (finished) return;
      done = n;
      if (newTotal !== undefined) total = newTotal;
      draw(false);
    },
    finish() {
      if (finished) return;
      finished = true;
      if (tty) out.write(`\r${line()}\x1b[K\n`);
      else if (lastStep < 10) out.write(`${line()}\n`);
    },
  };
}
