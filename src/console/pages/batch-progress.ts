// A batch's progress as the console shows it: rows settled (validated, failed, rejected or skipped)
// out of rows read. Pure, shared by the home page, the batch list and the live progress feed.
import { html, type Html } from '../html.js';

export interface BatchCounts { total: number; skipped: number; rejected: number; queued: number; processing: number; completed: number; failed: number }

export function progressOf(b: { status: string; counts: BatchCounts }): { settled: number; total: number; percent: number; done: boolean } {
  const c = b.counts;
  const settled = c.completed + c.failed + c.rejected + c.skipped;
  const done = b.status === 'completed' || b.status === 'failed';
  // Still reading the file: the total grows, so the bar never claims 100 % before the batch is final.
  const percent = done ? 100 : c.total === 0 ? 0 : Math.min(99, Math.floor((settled / c.total) * 100));
  return { settled, total: c.total, percent, done };
}

export function batchProgressCell(b: { id: string; status: string; counts: BatchCounts }): Html {
  const p = progressOf(b);
  return html`<progress max="100" value="${p.percent}" aria-label="Batch ${b.id} progress">${p.percent} %</progress> <span>${p.percent} %</span> <span class="muted">(${p.settled.toLocaleString('en')} of ${p.total.toLocaleString('en')} rows, ${b.status})</span>`;
}
