import { h, type Html } from './html.js';
import type { Flash } from '../session-store.js';
import type { HostLimits } from '../types.js';
import { hostBanner } from './host-banner.js';

export interface PageOptions {
  title: string;
  version: string;
  /** Signed in: shows who and the sign-out button. */
  user?: { name: string; csrf: string };
  flash?: Flash | null;
  /** Static script names under /static/, loaded deferred (no inline scripts: CSP 'self'). */
  scripts?: string[];
  /** Limits the host enforces for no job: one banner at the top. */
  banner?: HostLimits;
}

export function page(o: PageOptions, body: Html): Html {
  const asset = (name: string) => `/static/${name}?v=${encodeURIComponent(o.version)}`;
  return h`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} · cjm</title>
<link rel="stylesheet" href="${asset('app.css')}">
${(o.scripts ?? []).map((s) => h`<script src="${asset(s)}" defer></script>`)}
</head>
<body>
<header class="top">
  <a class="brand" href="/">cjm <span>Cloud Job Manager</span></a>
  ${o.user
    ? h`<form class="signout" method="post" action="/logout">
    <span class="who">Signed in as <strong>${o.user.name}</strong></span>
    ${csrfField(o.user.csrf)}
    <button type="submit" class="link">Sign out</button>
  </form>`
    : ''}
</header>
<main>
${o.banner ? hostBanner(o.banner) : ''}
${o.flash ? h`<p class="flash flash-${o.flash.kind}" role="${o.flash.kind === 'error' ? 'alert' : 'status'}">${o.flash.text}</p>` : ''}
${body}
</main>
<footer>cjm ${o.version}</footer>
</body>
</html>`;
}

export function csrfField(token: string): Html {
  return h`<input type="hidden" name="csrf" value="${token}">`;
}
