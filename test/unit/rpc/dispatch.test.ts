// The rpc layer without a socket: dispatch, auth gating, error mapping, rate limiting, subscriptions.
// The JobService here is a small hand-written fake: these tests are about the rpc layer only.
import { describe, expect, it } from 'vitest';
import { ErrorCode, RpcError, type Job, type NotificationName } from '../../../server/protocol/index.js';
import type { AuthService, FollowSink, JobListener, JobService } from '../../../server/core/api.js';
import { createDispatcher } from '../../../server/rpc/dispatch.js';
import { createRpcHandlers } from '../../../server/rpc/handlers.js';
import { connectLocal } from '../../../server/rpc/local.js';
import { createSession, type Session, type SessionTransport } from '../../../server/rpc/session.js';

interface Logged {
  level: string;
  obj: object;
  msg?: string;
}

function setup(opts: { rate?: { perSecond: number; burst: number }; maxSubscriptions?: number } = {}) {
  const logged: Logged[] = [];
  const log = (level: string) => (obj: object, msg?: string) => logged.push({ level, obj, msg });
  const logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const follows: { sink: FollowSink; cancelled: boolean }[] = [];
  const listeners = new Set<JobListener>();
  const jobs = {
    async get(_caller, id) {
      if (id === 13) throw new Error('ECONNRESET secret driver text');
      if (id === 404) throw new RpcError(ErrorCode.JobNotFound, 'Job not found: 404');
      return { id } as Job;
    },
    async list() {
      return { jobs: [], nextCursor: null, total: null, totalCapped: false };
    },
    async follow(_caller, _params, sink) {
      const f = { sink, cancelled: false };
      follows.push(f);
      // Stored output is delivered before the call returns.
      sink.chunk({ stream: 'stdout', data: 'early', offset: 0, nextOffset: 5, at: '2026-01-01T00:00:00.000Z' });
      return () => {
        f.cancelled = true;
      };
    },
    subscribe(_caller, listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  } as Partial<JobService> as JobService;
  const auth: AuthService = {
    authenticate: async (t) => (t === 'good-token-123456' ? { user: 'alice', admin: false } : null),
    ensureAdminToken: async () => {},
  };
  const server = createRpcHandlers({ jobs, auth, logger }, { version: '9.9.9', ...(opts.maxSubscriptions ? { maxSubscriptions: opts.maxSubscriptions } : {}) });
  let t = 0;
  const rateLimit = opts.rate ?? { perSecond: 1000, burst: 2000 };
  const dispatcher = createDispatcher(server, { maxFrameBytes: 1024 * 1024, rateLimit, nowMs: () => t });
  const sent: { name: NotificationName; params: unknown }[] = [];
  let n = 0;
  const recording: SessionTransport = { notify: (name, params) => void sent.push({ name, params }), writable: () => true, close: () => {} };
  const newSession = (transport: SessionTransport = recording) => createSession(++n, transport, rateLimit, t);
  const call = async (session: Session, frame: unknown) => {
    const { reply, afterReply } = await dispatcher.frame(session, typeof frame === 'string' ? frame : JSON.stringify(frame));
    return { reply: reply as unknown, afterReply };
  };
  const req = (method: string, params?: unknown, id: number = 1) => ({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
  return { logged, follows, listeners, dispatcher, auth, newSession, call, req, sent, tick: (ms: number) => (t += ms) };
}

const authed = (s: Session) => {
  s.identity = { user: 'alice', admin: false };
  return s;
};

describe('authentication gate', () => {
  it('answers 4001 to everything but auth.login, rpc.discover and system.ping until logged in', async () => {
    const { newSession, call, req } = setup();
    const s = newSession();
    expect(await call(s, req('job.list', {}))).toMatchObject({ reply: { id: 1, error: { code: 4001 } } });
    expect(await call(s, req('job.create', { name: 'x' }))).toMatchObject({ reply: { error: { code: 4001 } } });
    expect(await call(s, req('system.ping'))).toMatchObject({ reply: { result: { ok: true } } });
    const discover = (await call(s, req('rpc.discover'))).reply as { result: { methods: { name: string }[]; info: { version: string } } };
    expect(discover.result.info.version).toBe('9.9.9');
    expect(await call(s, req('auth.login', { token: 'wrong-token-123456' }))).toMatchObject({ reply: { error: { code: 4001 } } });
    expect(await call(s, req('auth.login', { token: 'good-token-123456' }))).toMatchObject({ reply: { result: { user: 'alice', admin: false } } });
    expect(await call(s, req('job.list', {}))).toMatchObject({ reply: { result: { jobs: [] } } });
  });

  it('checks auth before params, so an anonymous caller learns nothing from validation', async () => {
    const { newSession, call, req } = setup();
    expect(await call(newSession(), req('job.get', { id: 'nope' }))).toMatchObject({ reply: { error: { code: 4001 } } });
  });

  it('unknown methods -> -32601', async () => {
    const { newSession, call, req } = setup();
    expect(await call(newSession(), req('job.explode', {}))).toMatchObject({ reply: { error: { code: -32601 } } });
  });
});

describe('errors', () => {
  it('invalid params -> -32602 with data.field', async () => {
    const { newSession, call, req } = setup();
    expect(await call(authed(newSession()), req('job.get', { id: -1 }))).toMatchObject({ reply: { error: { code: -32602, data: { field: 'id' } } } });
    expect(await call(authed(newSession()), req('job.get', [1]))).toMatchObject({ reply: { error: { code: -32602, data: { field: 'params' } } } });
  });

  it('RpcErrors go out with their code and message', async () => {
    const { newSession, call, req } = setup();
    expect(await call(authed(newSession()), req('job.get', { id: 404 }))).toMatchObject({ reply: { error: { code: 4004, message: 'Job not found: 404' } } });
  });

  it('anything else -> -32603 "Internal error", never the raw text; logged with its cause', async () => {
    const { newSession, call, req, logged } = setup();
    const { reply } = await call(authed(newSession()), req('job.get', { id: 13 }));
    expect(reply).toEqual({ jsonrpc: '2.0', id: 1, error: { code: -32603, message: 'Internal error' } });
    expect(JSON.stringify(reply)).not.toContain('secret');
    const entry = logged.find((l) => l.level === 'error');
    expect(entry?.obj).toMatchObject({ method: 'job.get' });
    expect(String((entry?.obj as { err: Error }).err.message)).toContain('ECONNRESET');
  });
});

describe('batches', () => {
  it('mixed valid and invalid entries: one answer each, notifications none, always an array', async () => {
    const { newSession, call, req } = setup();
    const { reply } = await call(newSession(), [req('system.ping', {}, 1), 5, { jsonrpc: '2.0', method: 'system.ping' }, req('nope', {}, 2)]);
    expect(reply).toMatchObject([{ id: 1, result: { ok: true } }, { id: null, error: { code: -32600 } }, { id: 2, error: { code: -32601 } }]);
    expect(await call(newSession(), [req('system.ping', {}, 9)])).toMatchObject({ reply: [{ id: 9 }] });
    expect(await call(newSession(), [{ jsonrpc: '2.0', method: 'system.ping' }])).toMatchObject({ reply: null });
  });
});

describe('rate limit', () => {
  it('answers 4029 past the burst, recovers as time passes', async () => {
    const { newSession, call, req, tick } = setup({ rate: { perSecond: 10, burst: 3 } });
    const s = newSession();
    for (let i = 0; i < 3; i++) expect(await call(s, req('system.ping'))).toMatchObject({ reply: { result: { ok: true } } });
    const limited = (await call(s, req('system.ping', undefined, 7))).reply as { id: number; error: { code: number; message: string } };
    expect(limited).toMatchObject({ id: 7, error: { code: 4029 } });
    expect(limited.error.message).toMatch(/10 requests per second/);
    // Another connection has its own bucket.
    expect(await call(newSession(), req('system.ping'))).toMatchObject({ reply: { result: { ok: true } } });
    tick(100);
    expect(await call(s, req('system.ping'))).toMatchObject({ reply: { result: { ok: true } } });
  });

  it('every element of a batch counts', async () => {
    const { newSession, call, req } = setup({ rate: { perSecond: 1, burst: 2 } });
    const { reply } = await call(newSession(), [req('system.ping', {}, 1), req('system.ping', {}, 2), req('system.ping', {}, 3)]);
    expect((reply as { error?: { code: number } }[]).map((r) => r.error?.code ?? 0).sort()).toEqual([0, 0, 4029]);
  });
});

describe('subscriptions', () => {
  it('holds a follow\'s notifications until the reply naming it has been sent', async () => {
    const { newSession, call, req, sent, follows } = setup();
    const s = authed(newSession());
    const { reply, afterReply } = await call(s, req('job.follow', { id: 1 }));
    const sub = (reply as { result: { subscription: string } }).result.subscription;
    expect(sent).toHaveLength(0);
    afterReply.forEach((h) => h());
    expect(sent).toEqual([{ name: 'job.log', params: { subscription: sub, id: 1, stream: 'stdout', data: 'early', offset: 0, nextOffset: 5, at: '2026-01-01T00:00:00.000Z' } }]);
    follows[0]!.sink.end('finished', 5);
    expect(sent[1]).toEqual({ name: 'job.logEnd', params: { subscription: sub, id: 1, offset: 5, reason: 'finished' } });
    expect(s.subscriptions.size).toBe(0);
  });

  it('a follow tells the service to stop when the client is not reading', async () => {
    const { newSession, call, req, follows } = setup();
    let writable = true;
    const s = authed(newSession({ notify: () => {}, writable: () => writable, close: () => {} }));
    (await call(s, req('job.follow', { id: 1 }))).afterReply.forEach((h) => h());
    expect(follows[0]!.sink.chunk({ stream: 'stdout', data: 'x', offset: 5, nextOffset: 6, at: '2026-01-01T00:00:00.000Z' })).toBe(true);
    writable = false;
    expect(follows[0]!.sink.chunk({ stream: 'stdout', data: 'x', offset: 6, nextOffset: 7, at: '2026-01-01T00:00:00.000Z' })).toBe(false);
  });

  it('unfollow cancels (and is idempotent); closing the session cancels everything', async () => {
    const { newSession, call, req, follows, listeners } = setup();
    const s = authed(newSession());
    const sub = ((await call(s, req('job.follow', { id: 1 }))).reply as { result: { subscription: string } }).result.subscription;
    expect(await call(s, req('job.unfollow', { subscription: sub }))).toMatchObject({ reply: { result: { ok: true } } });
    expect(follows[0]!.cancelled).toBe(true);
    expect(await call(s, req('job.unfollow', { subscription: sub }))).toMatchObject({ reply: { result: { ok: true } } });
    await call(s, req('job.follow', { id: 2 }));
    await call(s, req('events.subscribe', {}));
    expect(listeners.size).toBe(1);
    s.dispose();
    expect(follows[1]!.cancelled).toBe(true);
    expect(listeners.size).toBe(0);
  });

  it('events.subscribe delivers job.updated and job.removed, once per connection', async () => {
    const { newSession, call, req, sent, listeners } = setup();
    const s = authed(newSession());
    const first = await call(s, req('events.subscribe', {}));
    first.afterReply.forEach((h) => h());
    const again = await call(s, req('events.subscribe', {}, 2));
    expect((again.reply as { result: unknown }).result).toEqual((first.reply as { result: unknown }).result);
    expect(listeners.size).toBe(1);
    for (const l of listeners) {
      l.updated({ id: 3 } as Job);
      l.removed(3);
    }
    expect(sent).toEqual([
      { name: 'job.updated', params: { job: { id: 3 } } },
      { name: 'job.removed', params: { id: 3 } },
    ]);
  });

  it('caps subscriptions per connection with 4029', async () => {
    const { newSession, call, req } = setup({ maxSubscriptions: 2 });
    const s = authed(newSession());
    await call(s, req('job.follow', { id: 1 }));
    await call(s, req('job.follow', { id: 2 }));
    expect(await call(s, req('job.follow', { id: 3 }))).toMatchObject({ reply: { error: { code: 4029, message: /at most 2/ } } });
  });
});

describe('connectLocal', () => {
  it('authenticates like a socket and dispatches through the same handlers', async () => {
    const { dispatcher, auth, newSession } = setup();
    await expect(connectLocal({ dispatcher, auth, newSession }, 'wrong-token-123456')).rejects.toMatchObject({ code: 4001 });
    const anon = await connectLocal({ dispatcher, auth, newSession }, '');
    await expect(anon.call('job.list', {})).rejects.toMatchObject({ code: 4001 });
    const api = await connectLocal({ dispatcher, auth, newSession }, 'good-token-123456');
    expect(await api.call('job.get', { id: 5 })).toEqual({ id: 5 });
    await expect(api.call('job.get', { id: 0 })).rejects.toMatchObject({ code: -32602, data: { field: 'id' } });
    await expect(api.call('job.get', { id: 13 })).rejects.toMatchObject({ code: -32603, message: 'Internal error' });
  });

  it('delivers a follow\'s notifications to on() handlers after the call resolved', async () => {
    const { dispatcher, auth, newSession } = setup();
    const api = await connectLocal({ dispatcher, auth, newSession }, 'good-token-123456');
    const got: string[] = [];
    api.on('job.log', (p) => got.push(`${p.subscription}:${p.data}`));
    const { subscription } = await api.call('job.follow', { id: 1 });
    expect(got).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual([`${subscription}:early`]);
    api.close();
    await expect(api.call('system.ping', {})).rejects.toMatchObject({ code: -32603 });
  });
});
