// The web app over the real stack: startTestServer() (real MariaDB, dockerd, rpc) and a browser-ish
// client for app.request(): a cookie jar, the form's hidden tokens, Origin like a browser sends.
import type { Hono } from 'hono';
import { afterAll, beforeAll } from 'vitest';
import { createClient } from '../../server/protocol/client.js';
import { ErrorCode, RpcError } from '../../server/protocol/index.js';
import { startTestServer } from './server.js';
import { createWebApp, type LocalApi } from '../../web/app.js';

export const origin = 'http://localhost';

export interface WebStack {
  app: Hono;
  adminToken: string;
  /** The server's throwaway database (to seed rows straight into it). */
  databaseUrl: string;
  /** A real client of the same server, to arrange and check things outside the page. */
  api: LocalApi;
  connect(token: string): Promise<LocalApi>;
  logs: { level: string; msg: string }[];
  close(): Promise<void>;
}

export async function startWebStack(options: { heartbeatMs?: number } = {}): Promise<WebStack> {
  const server = await startTestServer();
  const s = server as typeof server & { connect?: (token: string) => Promise<LocalApi> };
  const connect =
    s.connect?.bind(s) ??
    (async (token: string): Promise<LocalApi> => {
      try {
        return await createClient(server.url, token);
      } catch (e) {
        if (e instanceof Error && / 401$/.test(e.message)) throw new RpcError(ErrorCode.Unauthenticated);
        throw e;
      }
    });
  const logs: WebStack['logs'] = [];
  const logger = {
    info: (_o: object, msg?: string) => logs.push({ level: 'info', msg: msg ?? '' }),
    warn: (_o: object, msg?: string) => logs.push({ level: 'warn', msg: msg ?? '' }),
    error: (_o: object, msg?: string) => logs.push({ level: 'error', msg: msg ?? '' }),
  };
  const app = createWebApp({ connect, logger }, { version: 'test', heartbeatMs: options.heartbeatMs ?? 15_000 }) as unknown as Hono;
  const api = await connect(server.adminToken);
  return {
    app,
    adminToken: server.adminToken,
    databaseUrl: server.databaseUrl,
    api,
    connect,
    logs,
    async close() {
      api.close();
      await server.close();
    },
  };
}

export interface SignedInWebStack {
  readonly stack: WebStack;
  /** Signed in as the admin. */
  readonly b: Browser;
}

/** A test file's own web stack with a browser signed in as the admin, opened before its tests and
 * closed after them. Read `stack` and `b` inside tests (they are set in beforeAll). */
export function withSignedInWebStack(options: { heartbeatMs?: number } = {}): SignedInWebStack {
  let stack: WebStack | undefined;
  let b: Browser | undefined;
  beforeAll(async () => {
    stack = await startWebStack(options);
    b = browser(stack.app);
    await signIn(b, stack.adminToken);
  });
  afterAll(async () => {
    await stack?.close();
  });
  const ready = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('the web stack is not started yet: use it inside a test');
    return v;
  };
  return {
    get stack() {
      return ready(stack);
    },
    get b() {
      return ready(b);
    },
  };
}

export interface Browser {
  cookies: Map<string, string>;
  get(path: string, init?: RequestInit): Promise<Response>;
  /** A form POST as a browser sends it from this site (Origin set, the session's token added); pairs
   * for a field sent more than once (`ids[]`). */
  post(path: string, fields: Record<string, string> | [string, string][], o?: { origin?: string | null; csrf?: string | null }): Promise<Response>;
  /** The session's CSRF token, read from a page. */
  csrf: string;
}

export function browser(app: Hono): Browser {
  const cookies = new Map<string, string>();
  const cookieHeader = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const remember = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (value === '' || /max-age=0/i.test(c)) cookies.delete(name);
      else cookies.set(name, value);
    }
    return res;
  };
  const b: Browser = {
    cookies,
    csrf: '',
    async get(path, init = {}) {
      return remember(await app.request(path, { ...init, headers: { cookie: cookieHeader(), ...(init.headers as Record<string, string> | undefined) } }));
    },
    async post(path, fields, o = {}) {
      const body = new URLSearchParams(fields);
      const csrf = o.csrf === undefined ? b.csrf : o.csrf;
      if (csrf !== null && !body.has('csrf')) body.set('csrf', csrf);
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader() };
      const from = o.origin === undefined ? origin : o.origin;
      if (from !== null) headers.origin = from;
      return remember(await app.request(path, { method: 'POST', body, headers }));
    },
  };
  return b;
}

/** Signs in through the login form; leaves the session's CSRF token in b.csrf. */
export async function signIn(b: Browser, token: string, next = '/'): Promise<Response> {
  const form = await b.get(`/login?next=${encodeURIComponent(next)}`);
  const loginCsrf = hiddenValue(await form.text(), 'csrf');
  const res = await b.post('/login', { token, next, csrf: loginCsrf });
  if (res.status === 303) b.csrf = hiddenValue(await (await b.get('/')).text(), 'csrf');
  return res;
}

export function hiddenValue(html: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!m) throw new Error(`no hidden field ${name} in the page`);
  return m[1]!.replace(/&amp;/g, '&');
}

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/** Reads SSE events from a streaming response until `until` says stop (or the timeout). */
export async function readEvents(res: Response, until: (ev: SseEvent, all: SseEvent[]) => boolean, timeoutMs = 20_000): Promise<SseEvent[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let buf = '';
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; events so far: ${JSON.stringify(events).slice(0, 2000)}`);
      const r = await Promise.race([reader.read(), new Promise<'timeout'>((res) => setTimeout(() => res('timeout'), left))]);
      if (r === 'timeout') continue;
      if (r.done) return events;
      buf += decoder.decode(r.value, { stream: true });
      let sep: number;
      while ((sep = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, sep);
        buf = buf.slice(sep + 2);
        const ev: SseEvent = { event: 'message', data: '' };
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const i = line.indexOf(':');
          const k = i < 0 ? line : line.slice(0, i);
          const v = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
          if (k === 'event') ev.event = v;
          else if (k === 'data') data.push(v);
          else if (k === 'id') ev.id = v;
        }
        if (data.length === 0 && ev.event === 'message') continue;
        ev.data = data.join('\n');
        events.push(ev);
        if (until(ev, events)) return events;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
