// The page shell every console page shares: a skip link, the organisation and mode, the navigation
// the user's role allows, and one <main>. No inline script or style; the CSRF token is in a <meta>
// for console.js and in every form.
import type { Response } from 'express';
import { html, raw, type Html } from './html.js';
import type { ConsoleContext } from './console-session.js';
import { can, type Permission } from '../users/roles.js';

const NAV: Array<{ href: string; label: string; needs: Permission }> = [
  { href: '/console', label: 'Home', needs: 'validations.read' },
  { href: '/console/validate', label: 'Validate', needs: 'validations.create' },
  { href: '/console/validations', label: 'Validations', needs: 'validations.read' },
  { href: '/console/batches', label: 'Batches', needs: 'validations.read' },
  { href: '/console/webhooks', label: 'Webhooks', needs: 'webhooks.read' },
  { href: '/console/keys', label: 'API keys', needs: 'keys.manage' },
  { href: '/console/team', label: 'Team', needs: 'team.read' },
  { href: '/console/settings', label: 'Settings', needs: 'settings.read' },
  { href: '/console/audit', label: 'Audit log', needs: 'audit.read' },
];

export interface PageOptions {
  title: string;
  /** The nav entry to mark as current. */
  section?: string;
  notice?: string | null;
  error?: string | null;
}

const head = (title: string) => html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · payval console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/console/assets/console.css">
<script src="/console/assets/console.js" defer></script>`;

const banners = (o: PageOptions) => html`${o.notice ? html`<p class="notice" role="status">${o.notice}</p>` : ''}${o.error ? html`<p class="error" role="alert">${o.error}</p>` : ''}`;

/** The title, the banners and the body, closing <main> and the document. */
const main = (o: PageOptions, body: Html) => html`<h1>${o.title}</h1>
${banners(o)}
${body}
</main>
</body>
</html>
`;

export function page(ctx: ConsoleContext, o: PageOptions, body: Html): Html {
  const { user, session } = ctx;
  const links = NAV.filter((n) => can(user.role, n.needs)).map(
    (n) => html`<li><a href="${n.href}"${n.href === o.section ? raw(' aria-current="page"') : ''}>${n.label}</a></li>`,
  );
  return html`${head(o.title)}
<meta name="csrf-token" content="${ctx.csrf}">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/console">payval</a>
  <form method="post" action="/console/mode" class="mode"${session.livemode ? '' : raw(' data-confirm="Switch to live data? Validations and uploads will then reach the bank partners, and are billed."')}>
    <input type="hidden" name="_csrf" value="${ctx.csrf}">
    <input type="hidden" name="livemode" value="${session.livemode ? 'false' : 'true'}">
    <span class="badge ${session.livemode ? 'live' : 'test'}">${session.livemode ? 'Live data' : 'Test data'}</span>
    <button type="submit" class="link">Switch to ${session.livemode ? 'test' : 'live'}</button>
  </form>
  <span class="who">${user.name} · ${user.role}</span>
  <a href="/console/account">Account</a>
  <form method="post" action="/console/sign-out" class="inline">
    <input type="hidden" name="_csrf" value="${ctx.csrf}">
    <button type="submit" class="link">Sign out</button>
  </form>
</header>
<nav class="side" aria-label="Console"><ul>${links}</ul></nav>
<main id="main" tabindex="-1">
${main(o, body)}`;
}

/** Pages shown before sign-in (sign-in, second factor, invitation). */
export function publicPage(o: PageOptions, body: Html): Html {
  return html`${head(o.title)}
</head>
<body class="public">
<main id="main" class="narrow">
<p class="brand">payval</p>
${main(o, body)}`;
}

export function sendHtml(res: Response, body: Html, status = 200): void {
  res.status(status).type('html').send(body.value);
}

/** Post/redirect/get: a notice travels as a fixed code in the query string, never as text. */
export function redirect(res: Response, to: string): void {
  res.redirect(303, to);
}
