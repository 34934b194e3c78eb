// Searching validations: the filters (read from the query string, checked for shape only) and the
// filter form and results table.
import type { Request } from 'express';
import { AppError } from '../../platform/app-error.js';
import { isReferenceId } from '../../batches/csv-row.js';
import type { ValidationStatus } from '../../validations/validation-types.js';
import type { ValidationView } from '../../validations/validation-view.js';
import { queryParam } from '../forms.js';
import { html, raw, time, type Html } from '../html.js';

const STATUSES: readonly ValidationStatus[] = ['queued', 'processing', 'completed', 'failed'];
const DAY_MS = 86_400_000;

export interface FilterValues { reference_id: string; status: string; from: string; to: string; last4: string }

export interface ListFilters {
  referenceId?: string;
  status?: ValidationStatus;
  accountLast4?: string;
  createdFrom?: Date;
  createdTo?: Date;
  cursor?: string;
}

const invalid = (message: string) => new AppError('console.invalid_input', message);

/** Midnight UTC of a `YYYY-MM-DD` date; a date that does not exist (2025-02-30) is refused. */
function utcDay(value: string, label: string): Date | undefined {
  if (value === '') return undefined;
  const d = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : new Date(NaN);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) throw invalid(`The ${label} date must be a date written YYYY-MM-DD.`);
  return d;
}

/** The filters for `ValidationService.list`; a malformed one is a `console.invalid_input`. */
export function readFilters(req: Request): ListFilters {
  const referenceId = queryParam(req, 'reference_id', 64);
  const status = queryParam(req, 'status', 20);
  const last4 = queryParam(req, 'last4', 4);
  const cursor = queryParam(req, 'cursor', 200);
  if (referenceId !== '' && !isReferenceId(referenceId)) throw invalid('The reference id may hold only letters, digits and . _ : / - (at most 64 characters).');
  if (status !== '' && !STATUSES.includes(status as ValidationStatus)) throw invalid(`The status must be one of ${STATUSES.join(', ')}.`);
  if (last4 !== '' && !/^\d{4}$/.test(last4)) throw invalid('The last four digits must be exactly 4 digits.');
  const from = utcDay(queryParam(req, 'from', 10), 'from');
  const to = utcDay(queryParam(req, 'to', 10), 'to');
  if (from && to && from > to) throw invalid('The from date is after the to date.');
  return {
    ...(referenceId !== '' ? { referenceId } : {}),
    ...(status !== '' ? { status: status as ValidationStatus } : {}),
    ...(last4 !== '' ? { accountLast4: last4 } : {}),
    ...(from ? { createdFrom: from } : {}),
    // `to` takes in its whole day: the bound is the next midnight (exclusive).
    ...(to ? { createdTo: new Date(to.getTime() + DAY_MS) } : {}),
    ...(cursor !== '' ? { cursor } : {}),
  };
}

/** The filters as typed, to show in the form; a "last four" that is longer than four is not shown (it may be an account number). */
export function filterValues(req: Request): FilterValues {
  const q = (name: string, max: number) => {
    const v = (req.query as Record<string, unknown>)[name];
    return typeof v === 'string' && v.length <= max ? v.trim() : '';
  };
  return { reference_id: q('reference_id', 64), status: q('status', 20), from: q('from', 10), to: q('to', 10), last4: q('last4', 4) };
}

export function filterForm(v: FilterValues): Html {
  const input = (id: keyof FilterValues, label: string, extra: Html) =>
    html`<div><label for="f-${id}">${label}</label><input id="f-${id}" name="${id}" value="${v[id]}"${extra}></div>`;
  return html`<form method="get" action="/console/validations" class="filters" role="search" aria-label="Filter validations">
${input('reference_id', 'Reference id', raw(' maxlength="64" autocomplete="off"'))}
<div><label for="f-status">Status</label><select id="f-status" name="status">
<option value="">Any</option>
${STATUSES.map((s) => html`<option value="${s}"${v.status === s ? raw(' selected') : ''}>${s}</option>`)}
</select></div>
${input('from', 'Created from (UTC)', raw(' type="date"'))}
${input('to', 'Created to (UTC, inclusive)', raw(' type="date"'))}
${input('last4', 'Account last 4 digits', raw(' inputmode="numeric" maxlength="4" pattern="[0-9]{4}" autocomplete="off"'))}
<div><button type="submit">Search</button></div>
<div><a href="/console/validations">Clear filters</a></div>
</form>`;
}

const payee = (v: ValidationView) => (v.bank_account ? v.bank_account.masked_account_number : (v.vpa ?? '—'));
const nameMatch = (v: ValidationView) =>
  v.result ? html`<span class="result-${v.result.name_match.result}">${v.result.name_match.result.replace('_', ' ')}</span>` : html`<span class="muted">—</span>`;

export function resultsTable(rows: ValidationView[]): Html {
  if (rows.length === 0) return html`<p class="muted" role="status">No validation matches these filters.</p>`;
  return html`<table>
<caption>Validations, newest first</caption>
<thead><tr><th scope="col">Id</th><th scope="col">Created</th><th scope="col">Type</th><th scope="col">Account / VPA</th><th scope="col">Name</th><th scope="col">Status</th><th scope="col">Name match</th><th scope="col">Reference</th></tr></thead>
<tbody>
${rows.map((v) => html`<tr><td><a href="/console/validations/${v.id}"><code>${v.id}</code></a></td><td>${time(v.created_at)}</td><td>${v.type === 'vpa' ? 'VPA' : 'Bank account'}</td><td><code>${payee(v)}</code></td><td>${v.name ?? '—'}</td><td><span class="status-${v.status}">${v.status}</span></td><td>${nameMatch(v)}</td><td>${v.reference_id ?? '—'}</td></tr>`)}
</tbody>
</table>`;
}
