import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie } from 'hono/cookie';
import { parse as parseCookies } from 'hono/utils/cookie';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import { createWeb, SignedOutError, type WebEnv } from './context.js';
import { localPath } from './paths.js';
import { authRoutes } from './routes/auth.js';
import { eventRoutes } from './routes/events.js';
import { bulkRoutes } from './routes/bulk.js';
import { jobPageRoutes } from './routes/job-page.js';
import { jobRoutes } from './routes/jobs.js';
import { logRoutes } from './routes/log.js';
import { createSessionStore, sameToken } from './session-store.js';
import { loadStaticAssets } from './static-assets.js';
import type { LocalApi, WebDeps, WebOptions } from './types.js';

export type { LocalApi, WebDeps, WebLogger, WebOptions } from './types.js';

export interface WebApp extends Hono<WebEnv> {
  /** The session cookie's name. */
  readonly sessionCookie: string;
  /** The token of the live session a Cookie header holds, if any: how the server's port proxy lets
   * a signed-in browser through. */
  sessionToken(cookieHeader: string | undefined): string | undefined;
}

/** The web page: server-rendered HTML over the contract, mounted by the server on `/` next to `/rpc`.
 * Works without JavaScript; the two small scripts only add live updates. */
export function createWebApp(deps: WebDeps, options: WebOptions): WebApp {
  const opts: Required<WebOptions> = {
    secureCookies: false,
    sessionIdleMs: 2 * 3600_000,
    maxSessions: 1000,
    maxStreamsPerSession: 8,
    heartbeatMs: 15_000,
    ...options,
  };
  const sessions = createSessionStore<LocalApi>({ idleMs: opts.sessionIdleMs, maxSessions: opts.maxSessions });
  // __Host- binds the cookie to this exact origin, but browsers accept it only with Secure.
  const cookieName = opts.secureCookies ? '__Host-cjm_session' : 'cjm_session';
  const web = createWeb(deps, opts, sessions, cookieName);
  const assets = loadStaticAssets();
  const app = new Hono<WebEnv>();

  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
      xFrameOptions: 'DENY',
      // Not no-referrer: with it, browsers send `Origin: null` on form POSTs and csrf() refuses them.
      referrerPolicy: 'same-origin',
      strictTransportSecurity: false,
    }),
  );
  // Cross-site form posts are refused by Origin / Sec-Fetch-Site here, and by the per-session
  // token below: either alone would do; together a proxy quirk in one does not open the door.
  app.use(csrf());
  app.use(bodyLimit({ maxSize: 1024 * 1024, onError: (c) => c.text('Request too large', 413) }));

  app.get('/static/:name', (c) => {
    const asset = assets.get(c.req.param('name'));
    if (!asset) return c.notFound();
    c.header('Content-Type', asset.type);
    c.header('Cache-Control', 'public, max-age=3600');
    return c.body(asset.body);
  });
  app.get('/favicon.ico', (c) => c.body(null, 204));

  const signedOutPaths = new Set(['/login']);
  app.use(async (c, next) => {
    if (signedOutPaths.has(c.req.path) || c.req.path.startsWith('/static/')) return next();
    const session = sessions.get(getCookie(c, cookieName));
    if (!session) {
      if ((c.req.method === 'GET' || c.req.method === 'HEAD') && !isEventStream(c.req.path)) {
        return c.redirect(`/login?next=${encodeURIComponent(localPath(c.req.path + new URL(c.req.url).search))}`, 303);
      }
      if (c.req.method === 'POST') return c.redirect('/login', 303);
      return c.text('Sign in first.', 401);
    }
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const body = await c.req.parseBody();
      if (!sameToken(typeof body.csrf === 'string' ? body.csrf : undefined, session.csrf)) {
        deps.logger.warn({ user: session.user, path: c.req.path }, 'web: refused a form without the session CSRF token');
        return c.text('This form has expired or did not come from this site. Go back, reload and try again.', 403);
      }
    }
    c.set('session', session);
    return next();
  });

  app.route('/', authRoutes(web));
  app.route('/', bulkRoutes(web));
  app.route('/', jobRoutes(web));
  app.route('/', logRoutes(web));
  app.route('/', jobPageRoutes(web));
  app.route('/', eventRoutes(web));

  app.notFound((c) => c.text('Not found', 404));
  app.onError((err, c) => {
    if (err instanceof SignedOutError) {
      return c.req.method === 'GET' ? c.redirect(`/login?next=${encodeURIComponent(localPath(c.req.path))}`, 303) : c.redirect('/login', 303);
    }
    if (err instanceof HTTPException) return err.getResponse();
    deps.logger.error({ err, path: c.req.path }, 'web: unhandled error');
    return c.text('Internal error', 500);
  });

  return Object.assign(app, {
    sessionCookie: cookieName,
    sessionToken: (cookieHeader: string | undefined) => (cookieHeader ? sessions.get(parseCookies(cookieHeader, cookieName)[cookieName])?.token : undefined),
  });
}

function isEventStream(path: string): boolean {
  return path === '/events' || path.endsWith('/log/events');
}
