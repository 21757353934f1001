import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { ErrorCode, isRpcError } from '#protocol';
import type { Web, WebCtx, WebEnv } from '../context.js';
import { localPath } from '../paths.js';
import { randomToken, sameToken } from '../session-store.js';
import { loginPage } from '../views/login-page.js';
import { page } from '../views/layout.js';

const loginCookie = 'cjm_login';

/** Sign in and out. Before a session exists the form is protected by a double-submit cookie
 * (plus the Origin check every POST gets). */
export function authRoutes(web: Web): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  const secure = web.options.secureCookies;

  const showLogin = (c: WebCtx, next: string, error: string | null, status: 200 | 401 | 403 | 503) => {
    const loginCsrf = randomToken();
    setCookie(c, loginCookie, loginCsrf, { httpOnly: true, sameSite: 'Strict', path: '/login', secure, maxAge: 3600 });
    c.header('Cache-Control', 'no-store');
    return c.html(page({ title: 'Sign in', version: web.options.version }, loginPage({ next, error, loginCsrf })), status);
  };

  app.get('/login', (c) => {
    const next = localPath(c.req.query('next'));
    if (web.sessions.get(getCookie(c, web.cookieName))) return c.redirect(next, 303);
    return showLogin(c, next, null, 200);
  });

  app.post('/login', async (c) => {
    const body = await c.req.parseBody();
    const next = localPath(body.next);
    if (!sameToken(getCookie(c, loginCookie), typeof body.csrf === 'string' ? body.csrf : undefined)) {
      return showLogin(c, next, 'The sign-in form expired. Please try again.', 403);
    }
    const token = typeof body.token === 'string' ? body.token.trim() : '';
    if (!token) return showLogin(c, next, 'Enter your token.', 401);
    let api;
    try {
      api = await web.deps.connect(token);
    } catch (e) {
      if (isRpcError(e) && e.code === ErrorCode.Unauthenticated) return showLogin(c, next, 'That token is not valid.', 401);
      web.deps.logger.error({ err: e }, 'web sign-in: connect failed');
      return showLogin(c, next, 'The server cannot sign you in right now. Try again shortly.', 503);
    }
    let who;
    try {
      who = await api.call('auth.login', { token });
    } catch (e) {
      api.close();
      if (isRpcError(e) && e.code === ErrorCode.Unauthenticated) return showLogin(c, next, 'That token is not valid.', 401);
      web.deps.logger.error({ err: e }, 'web sign-in: auth.login failed');
      return showLogin(c, next, 'The server cannot sign you in right now. Try again shortly.', 503);
    }
    const session = web.sessions.create({ token, user: who.user, admin: who.admin, api });
    setCookie(c, web.cookieName, session.id, { httpOnly: true, sameSite: 'Strict', path: '/', secure });
    deleteCookie(c, loginCookie, { path: '/login', secure });
    web.deps.logger.info({ user: who.user }, 'web sign-in');
    return c.redirect(next, 303);
  });

  app.post('/logout', (c) => {
    const s = c.get('session');
    web.sessions.delete(s.id);
    deleteCookie(c, web.cookieName, { path: '/', secure });
    return c.redirect('/login', 303);
  });

  return app;
}
