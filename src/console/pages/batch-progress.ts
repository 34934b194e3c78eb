// A batch's progress as the console shows it: rows settled (validated, failed or rejected) out of the
// rows read (`counts.total`, which leaves blank rows out). Pure, shared by the home page, the batch
// list and the live progress feed.
import { html, type Html } from '../html.js';

export interface BatchCounts { total: number; skipped: number; rejected: number; queued: number; processing: number; completed: number; failed: number }

export function progressOf(b: { status: string; counts: BatchCounts }): { settled: number; total: number; percent: number; done: boolean } {
  const c = b.counts;
  const settled = c.completed + c.failed + c.rejected;
  const done = b.status === 'completed' || b.status === 'failed';
  const share = c.total === 0 ? 0 : Math.floor((Math.min(settled, c.total) / c.total) * 100);
  // Still reading the file, the total grows: the bar never claims 100 % before the batch is complete,
  // and a batch that failed (an upload cut off, a file refused) shows how far it got, not 100 %.
  const percent = b.status === 'completed' ? 100 : Math.min(99, share);
  return { settled, total: c.total, percent, done };
}

export function batchProgressCell(b: { id: string; status: string; counts: BatchCounts }): Html {
  const p = progressOf(b);
  return html`<progress max="100" value="${p.percent}" aria-label="Batch ${b.id} progress">${p.percent} %</progress> <span>${p.percent} %</span> <span class="muted">(${p.settled.toLocaleString('en')} of ${p.total.toLocaleString('en')} rows, ${b.status})</span>`;
}
