// One validation, drawn from its public view only (toValidationView): the account appears masked.
import type { ValidationView } from '../../validations/validation-view.js';
import { html, time, type Html } from '../html.js';

const dash = html`<span class="muted">—</span>`;
const text = (v: string | number | null | undefined) => (v === null || v === undefined || v === '' ? dash : html`${v}`);

function payee(v: ValidationView): Html {
  if (v.bank_account) {
    return html`<dt>Account number</dt><dd><code data-testid="masked-account">${v.bank_account.masked_account_number}</code></dd>
<dt>IFSC</dt><dd><code>${v.bank_account.ifsc}</code></dd>
<dt>Bank</dt><dd>${text(v.bank_account.bank_name)}</dd>
<dt>Rail</dt><dd>${v.rail}</dd>`;
  }
  return html`<dt>VPA</dt><dd><code>${v.vpa}</code></dd>
<dt>Rail</dt><dd>${v.rail}</dd>`;
}

function result(v: ValidationView): Html {
  const r = v.result;
  if (!r) return html``;
  const m = r.name_match;
  return html`<section aria-labelledby="result"><h2 id="result">Result</h2>
<dl class="facts">
  <dt>Account status</dt><dd data-testid="account-status">${r.account_status}${r.status_reason ? html` (${r.status_reason.replaceAll('_', ' ')})` : ''}</dd>
  <dt>Registered name</dt><dd data-testid="registered-name">${text(r.registered_name)}</dd>
  <dt>Name match</dt><dd><span class="result-${m.result}" data-testid="name-match">${m.result.replace('_', ' ')}</span>${m.score === null ? '' : html` · score ${m.score} / 100`}</dd>
  <dt>Why</dt><dd>${m.reasons.length === 0 ? dash : html`<ul class="reasons">${m.reasons.map((reason) => html`<li><code>${reason}</code></li>`)}</ul>`}</dd>
  <dt>Signals</dt><dd data-testid="name-match-flags">${m.flags.length === 0 ? dash : html`<ul class="reasons">${m.flags.map((flag) => html`<li><code>${flag}</code></li>`)}</ul>`}</dd>
  <dt>Partner</dt><dd>${text(r.partner)}${r.partner_reference ? html` · reference <code>${r.partner_reference}</code>` : ''}</dd>
  <dt>Answer reused</dt><dd>${r.cached ? 'Yes, from an earlier answer for this payee' : 'No'}</dd>
  <dt>Verified</dt><dd>${time(r.verified_at)}</dd>
</dl>
</section>`;
}

function failure(v: ValidationView): Html {
  if (!v.failure) return html``;
  return html`<section aria-labelledby="failure"><h2 id="failure">Failure</h2>
<dl class="facts">
  <dt>Code</dt><dd><code data-testid="failure-code">${v.failure.code}</code></dd>
  <dt>Message</dt><dd>${v.failure.message}</dd>
</dl>
</section>`;
}

export function validationDetail(v: ValidationView): Html {
  const final = v.status === 'completed' || v.status === 'failed';
  return html`${final ? '' : html`<p class="notice" role="status" data-refresh-until-final>This validation is ${v.status}; the page refreshes until it is final.</p>`}
${v.purged_at ? html`<p class="notice" data-testid="purged">The payee's personal data (account number, VPA, names, reference, metadata) was purged on ${time(v.purged_at)}; the outcome stays.</p>` : ''}
<dl class="facts">
  <dt>Id</dt><dd><code>${v.id}</code></dd>
  <dt>Status</dt><dd><span class="status-${v.status}" data-testid="status">${v.status}</span></dd>
  <dt>Type</dt><dd>${v.type === 'vpa' ? 'UPI VPA' : 'Bank account'}</dd>
  ${payee(v)}
  <dt>Expected name</dt><dd>${text(v.name)}</dd>
  <dt>Reference</dt><dd>${text(v.reference_id)}</dd>
  <dt>Batch</dt><dd>${v.batch_id ? html`<a href="/console/batches/${v.batch_id}"><code>${v.batch_id}</code></a>` : dash}</dd>
  <dt>Attempts</dt><dd>${v.attempts}</dd>
  <dt>Created</dt><dd>${time(v.created_at)}</dd>
  <dt>Updated</dt><dd>${time(v.updated_at)}</dd>
  <dt>Completed</dt><dd>${time(v.completed_at)}</dd>
</dl>
${result(v)}
${failure(v)}
<p><a href="/console/validations">All validations</a></p>`;
}
