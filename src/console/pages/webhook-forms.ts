// Reading the webhook pages' forms into what the webhook service takes. Only the shape is checked
// here (the service decides what a URL may be and how many endpoints a tenant may have).
import type { Request } from 'express';
import { AppError } from '../../platform/app-error.js';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../../webhooks/webhook-types.js';
import { field } from '../forms.js';

const HOUR = 3_600_000;

/** The replay form's choices: REST replay takes `since`; the console offers windows ending now. */
export const REPLAY_WINDOWS: Record<string, { label: string; ms: number }> = {
  '1h': { label: 'hour', ms: HOUR },
  '6h': { label: '6 hours', ms: 6 * HOUR },
  '24h': { label: '24 hours', ms: 24 * HOUR },
  '3d': { label: '3 days', ms: 72 * HOUR },
  '7d': { label: '7 days', ms: 168 * HOUR },
};

const invalid = (message: string) => new AppError('console.invalid_input', message);

/** The ticked event checkboxes (none, one or several `events` fields), each a known type, once. */
export function eventsOf(req: Request): WebhookEventType[] {
  const raw = (req.body as Record<string, unknown> | undefined)?.events;
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  if (list.some((v) => typeof v !== 'string' || !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(v))) throw invalid('Choose events from the list.');
  return [...new Set(list as WebhookEventType[])];
}

/** What the create form sent, as typed (for showing the form again), before any check. */
export function createValuesOf(req: Request): { url: string; events: string[]; description: string } {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? v.slice(0, 2048) : '');
  const events = Array.isArray(body.events) ? body.events : body.events === undefined ? [] : [body.events];
  return { url: text(body.url), events: events.filter((e): e is string => typeof e === 'string'), description: text(body.description).slice(0, 255) };
}

/** The create form as the service's input. */
export function createInputOf(req: Request): { url: string; events: WebhookEventType[]; description: string | null } {
  const url = field(req, 'url', { required: true, max: 2048 });
  const events = eventsOf(req);
  if (events.length === 0) throw invalid('Choose at least one event.');
  const description = field(req, 'description', { max: 255 });
  return { url, events, description: description === '' ? null : description };
}

/** `enabled=true|false`. */
export function enabledOf(req: Request): boolean {
  const v = field(req, 'enabled', { max: 5 });
  if (v !== 'true' && v !== 'false') throw invalid('Choose to enable or disable the endpoint.');
  return v === 'true';
}

/** The start of the chosen replay window. */
export function replaySinceOf(req: Request, now = Date.now()): Date {
  const key = field(req, 'window', { max: 8 });
  if (!Object.hasOwn(REPLAY_WINDOWS, key)) throw invalid('Choose how far back to replay.');
  return new Date(now - REPLAY_WINDOWS[key]!.ms);
}
