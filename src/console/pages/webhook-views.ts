// Markup of the webhook pages: the endpoint list with its create form, one endpoint with its delivery
// log and actions, and the page that shows a signing secret once. Pure: data in, HTML out.
import type { Request } from 'express';
import { overlapEndsAt } from '../../webhooks/secret-ring.js';
import { WEBHOOK_EVENT_TYPES, type WebhookDelivery, type WebhookEndpoint } from '../../webhooks/webhook-types.js';
import { can } from '../../users/roles.js';
import type { ConsoleContext } from '../console-session.js';
import { csrfField } from '../forms.js';
import { html, time, type Html } from '../html.js';
import { pager } from '../pager.js';
import { REPLAY_WINDOWS } from './webhook-forms.js';

export interface CreateValues { url: string; events: readonly string[]; description: string }

export const EMPTY_FORM: CreateValues = { url: '', events: [], description: '' };

type Page<T> = { data: T[]; nextCursor: string | null };

const mayManage = (ctx: ConsoleContext) => can(ctx.user.role, 'webhooks.manage');

function state(e: WebhookEndpoint): Html {
  if (e.enabled) return e.failingSince ? html`<span class="status-failed">Enabled, failing since ${time(e.failingSince)}</span>` : html`Enabled`;
  const why = e.disabledReason === 'gone' ? ' (the receiver answered 410 Gone)' : e.disabledReason === 'failing' ? ' (failing for too long)' : e.disabledReason === 'manual' ? ' (by hand)' : '';
  return html`<span class="status-failed">Disabled${why}</span> ${time(e.disabledAt)}`;
}

function createForm(ctx: ConsoleContext, v: CreateValues): Html {
  return html`<h2 id="new-endpoint">Add an endpoint</h2>
<form method="post" action="/console/webhooks" class="stack" aria-labelledby="new-endpoint">
${csrfField(ctx.csrf)}
<label for="url">URL</label>
<input id="url" name="url" type="url" maxlength="2048" required value="${v.url}" placeholder="https://example.com/payval-webhooks">
<fieldset><legend>Events</legend>
${WEBHOOK_EVENT_TYPES.map((t) => html`<label><input type="checkbox" name="events" value="${t}"${v.events.includes(t) ? html` checked` : ''}> <code>${t}</code></label>`)}
</fieldset>
<label for="description">Description (optional)</label>
<input id="description" name="description" maxlength="255" value="${v.description}">
<button type="submit">Add endpoint</button>
</form>`;
}

export function listBody(ctx: ConsoleContext, req: Request, endpoints: Page<WebhookEndpoint>, form: CreateValues): Html {
  return html`<p>Endpoints that receive ${ctx.scope.livemode ? 'live' : 'test'} events. Each signs its deliveries with its own secret.</p>
${endpoints.data.length === 0 ? html`<p class="muted">No endpoint yet.</p>` : html`<table><thead><tr>
<th scope="col">URL</th><th scope="col">Events</th><th scope="col">State</th><th scope="col">Created</th>
</tr></thead><tbody>
${endpoints.data.map((e) => html`<tr><td><a href="/console/webhooks/${e.id}">${e.url}</a>${e.description ? html`<br><span class="muted">${e.description}</span>` : ''}</td>
<td>${e.events.map((t, i) => html`${i ? ', ' : ''}<code>${t}</code>`)}</td><td>${state(e)}</td><td>${time(e.createdAt)}</td></tr>`)}
</tbody></table>`}
${pager(req, endpoints.nextCursor)}
${mayManage(ctx) ? createForm(ctx, form) : ''}`;
}

/** The last answer: its HTTP status, else why there was none (timeout, connection_failed, …). */
function response(d: WebhookDelivery): Html | string {
  if (d.lastStatusCode !== null) return html`<code>${d.lastStatusCode}</code>`;
  return d.lastError ? html`<span class="muted">${d.lastError}</span>` : '—';
}

function deliveryRow(ctx: ConsoleContext, d: WebhookDelivery): Html {
  const retry = mayManage(ctx) && d.status !== 'pending'
    ? html`<form method="post" action="/console/webhook-deliveries/${d.id}/retry" class="inline">${csrfField(ctx.csrf)}<button type="submit" class="secondary">Retry</button></form>`
    : '';
  return html`<tr data-delivery="${d.id}"><td><code>${d.eventType}</code><br><span class="muted">${d.eventId}</span></td>
<td><span class="status-${d.status}">${d.status}</span></td><td>${d.attempts}</td><td>${response(d)}</td>
<td>${time(d.createdAt)}</td><td>${time(d.lastAttemptAt)}</td><td>${retry}</td></tr>`;
}

function actions(ctx: ConsoleContext, e: WebhookEndpoint): Html {
  const base = `/console/webhooks/${e.id}`;
  return html`<h2 id="actions">Actions</h2>
<form method="post" action="${base}/rotate-secret" class="inline" data-confirm="Rotate the signing secret? The current one keeps signing beside the new one for an overlap period.">
${csrfField(ctx.csrf)}<button type="submit">Rotate secret</button></form>
<form method="post" action="${base}/enabled" class="inline"${e.enabled ? html` data-confirm="Disable this endpoint? Events are not sent to it until it is enabled again."` : ''}>
${csrfField(ctx.csrf)}<input type="hidden" name="enabled" value="${e.enabled ? 'false' : 'true'}"><button type="submit" class="secondary">${e.enabled ? 'Disable' : 'Enable'}</button></form>
<form method="post" action="${base}/delete" class="inline" data-confirm="Delete this endpoint? Its pending deliveries end; the log keeps them.">
${csrfField(ctx.csrf)}<button type="submit" class="danger">Delete</button></form>
<h3 id="replay">Replay events</h3>
<form method="post" action="${base}/replay" class="inline" aria-labelledby="replay">
${csrfField(ctx.csrf)}<label for="window">Send again every subscribed event from the last</label>
<select id="window" name="window">${Object.entries(REPLAY_WINDOWS).map(([value, w]) => html`<option value="${value}"${value === '24h' ? html` selected` : ''}>${w.label}</option>`)}</select>
<button type="submit">Replay</button></form>`;
}

export function endpointBody(ctx: ConsoleContext, req: Request, e: WebhookEndpoint, deliveries: Page<WebhookDelivery>): Html {
  const overlap = overlapEndsAt(e);
  return html`<dl class="facts">
<dt>Id</dt><dd><code>${e.id}</code></dd>
<dt>URL</dt><dd>${e.url}</dd>
${e.description ? html`<dt>Description</dt><dd>${e.description}</dd>` : ''}
<dt>Events</dt><dd>${e.events.map((t, i) => html`${i ? ', ' : ''}<code>${t}</code>`)}</dd>
<dt>State</dt><dd data-testid="endpoint-state">${state(e)}</dd>
<dt>Created</dt><dd>${time(e.createdAt)}</dd>
${overlap ? html`<dt>Previous secret</dt><dd>Still signs until ${time(overlap)}</dd>` : ''}
</dl>
${mayManage(ctx) ? actions(ctx, e) : ''}
<h2 id="log">Deliveries</h2>
${deliveries.data.length === 0 ? html`<p class="muted">Nothing has been sent to this endpoint yet.</p>` : html`<table aria-labelledby="log"><thead><tr>
<th scope="col">Event</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Response</th><th scope="col">Created</th><th scope="col">Last attempt</th><th scope="col"><span class="muted">Action</span></th>
</tr></thead><tbody>
${deliveries.data.map((d) => deliveryRow(ctx, d))}
</tbody></table>`}
${pager(req, deliveries.nextCursor)}
<p><a href="/console/webhooks">All endpoints</a></p>`;
}

/** The only page that ever shows an endpoint's signing secret: right after creating or rotating it. */
export function secretBody(e: WebhookEndpoint, secret: string, rotated: boolean): Html {
  const overlap = rotated ? overlapEndsAt(e) : null;
  return html`<div class="secret" role="status">
<p>Copy the signing secret of <strong>${e.url}</strong> now. <strong>It will not be shown again.</strong></p>
<p><code data-testid="signing-secret">${secret}</code></p>
</div>
${rotated ? html`<p>${overlap ? html`The previous secret keeps signing beside this one until ${time(overlap)}; move your receiver to the new one before then.` : 'The previous secret no longer signs.'}</p>` : ''}
<p>Verify every delivery with it (Standard Webhooks: <code>webhook-id</code>, <code>webhook-timestamp</code>, <code>webhook-signature</code>).</p>
<p><a href="/console/webhooks/${e.id}">Go to the endpoint</a></p>`;
}
