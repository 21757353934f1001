// Sign-in, sign-out, the unauthenticated redirect, CSRF refusal and the security headers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from '../../support/wait.js';
import { browser, hiddenValue, signIn, startWebStack, type WebStack } from '../../support/web-stack.js';

let stack: WebStack;

beforeAll(async () => {
  stack = await startWebStack();
});
afterAll(async () => {
  await stack?.close();
});

describe('signed out', () => {
  it('every page redirects to the sign-in page with where to come back', async () => {
    const b = browser(stack.app);
    const cases: [string, string][] = [
      ['/', '/'],
      ['/?status=running&search=x', '/?status=running&search=x'],
      ['/jobs/1/log', '/jobs/1/log'],
      ['/jobs/1/log.txt', '/jobs/1/log.txt'],
      ['/jobs/1/remove', '/jobs/1/remove'],
    ];
    for (const [path, next] of cases) {
      const res = await b.get(path);
      expect(res.status, path).toBe(303);
      expect(res.headers.get('location')).toBe(`/login?next=${encodeURIComponent(next)}`);
    }
  });

  it('event streams answer 401 and POSTs go to the sign-in page', async () => {
    const b = browser(stack.app);
    expect((await b.get('/events')).status).toBe(401);
    expect((await b.get('/jobs/1/log/events')).status).toBe(401);
    const res = await b.post('/jobs', { name: 'x' }, { csrf: null });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login');
  });

  it('the sign-in page is served with the security headers', async () => {
    const res = await browser(stack.app).get('/login');
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(await res.text()).toContain('<input type="password" id="f-token" name="token"');
  });
});

describe('sign in', () => {
  it('a good token opens a session: HttpOnly, SameSite=Strict cookie, back to next', async () => {
    const b = browser(stack.app);
    const res = await signIn(b, stack.adminToken, '/jobs/9/log');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/jobs/9/log');
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('cjm_session='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/);
    const page = await (await b.get('/')).text();
    expect(page).toContain('Signed in as');
    expect(b.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('a bad token is refused with a message and no session', async () => {
    const b = browser(stack.app);
    const res = await signIn(b, 'not-a-real-token');
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('That token is not valid.');
    expect(b.cookies.has('cjm_session')).toBe(false);
    expect((await b.get('/')).status).toBe(303);
  });

  it('next must be a path on this site', async () => {
    for (const next of ['//evil.example/', 'https://evil.example/', '/\\evil.example']) {
      const res = await signIn(browser(stack.app), stack.adminToken, next);
      expect(res.headers.get('location'), next).toBe('/');
    }
  });

  it('the sign-in form needs its own cookie token and a same-site Origin', async () => {
    const b = browser(stack.app);
    const form = await (await b.get('/login')).text();
    const loginCsrf = hiddenValue(form, 'csrf');
    expect((await b.post('/login', { token: stack.adminToken, next: '/', csrf: 'wrong' })).status).toBe(403);
    expect((await b.post('/login', { token: stack.adminToken, next: '/', csrf: loginCsrf }, { origin: 'http://evil.example' })).status).toBe(403);
    expect(b.cookies.has('cjm_session')).toBe(false);
  });

  it('sign out ends the session', async () => {
    const b = browser(stack.app);
    await signIn(b, stack.adminToken);
    const old = b.cookies.get('cjm_session')!;
    const res = await b.post('/logout', {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login');
    expect(b.cookies.has('cjm_session')).toBe(false);
    b.cookies.set('cjm_session', old); // the old cookie is worthless now
    expect((await b.get('/')).status).toBe(303);
  });
});

describe('CSRF', () => {
  it('refuses form POSTs without Origin, from another origin, or without the session token', async () => {
    const b = browser(stack.app);
    await signIn(b, stack.adminToken);
    const name = uniqueName('csrf');
    const fields = { name, image: 'busybox', cmd: 'true', cpus: '0.1', memoryMb: '16', ioWeight: '500', network: 'bridge' };
    expect((await b.post('/jobs', fields, { origin: null })).status).toBe(403);
    expect((await b.post('/jobs', fields, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await b.post('/jobs', fields, { csrf: null })).status).toBe(403);
    expect((await b.post('/jobs', fields, { csrf: 'x'.repeat(43) })).status).toBe(403);
    expect((await b.post('/logout', {}, { csrf: null })).status).toBe(403);
    const { jobs } = await stack.api.call('job.list', { search: name });
    expect(jobs).toHaveLength(0);
    // The same form with both checks satisfied works.
    expect((await b.post('/jobs', fields)).status).toBe(303);
    const after = await stack.api.call('job.list', { search: name });
    expect(after.jobs).toHaveLength(1);
    await stack.api.call('job.remove', { id: after.jobs[0]!.id });
  });
});
