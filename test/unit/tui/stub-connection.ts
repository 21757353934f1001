import {
  createNotificationHub,
  RpcError,
  ErrorCode,
  type Identity,
  type Job,
  type MethodName,
  type NotificationName,
  type NotificationOf,
  type ParamsOf,
  type ResultOf,
} from '../../../server/protocol/index.js';
import type { Connection, ConnectionState } from '../../../tui/connection.js';

// A Connection for screen tests that answers from a table of handlers. The real client, server and
// reconnects are covered by test/e2e/tui.test.ts; here only what the screen shows is in question.

/** `job.list` as the server answers it, over `jobs` (read at each call, so a test may change it):
 * newest first, a page from the cursor, the search within name or image (any case), the count. */
export function pagedList(jobs: readonly Job[]): (p: ParamsOf<'job.list'>) => ResultOf<'job.list'> {
  return (p) => {
    const term = p.search?.toLowerCase() ?? '';
    const matches = jobs.filter((j) => j.name.toLowerCase().includes(term) || j.image.toLowerCase().includes(term)).sort((a, b) => b.id - a.id);
    const from = p.cursor ? matches.filter((j) => j.id < Number(p.cursor)) : matches;
    const limit = p.limit ?? 50;
    const page = from.slice(0, limit);
    const last = page.at(-1);
    return { jobs: page, nextCursor: from.length > limit && last ? String(last.id) : null, total: p.count ? matches.length : null, totalCapped: false };
  };
}

type Handlers = { [M in MethodName]?: (params: ParamsOf<M>) => ResultOf<M> | Promise<ResultOf<M>> };

export interface StubConnection extends Connection {
  calls: { method: MethodName; params: unknown }[];
  emit<N extends NotificationName>(name: N, params: NotificationOf<N>): void;
  setState(s: ConnectionState): void;
}

export function createStubConnection(handlers: Handlers, identity: Identity = { user: 'alice', admin: false }): StubConnection {
  let state: ConnectionState = { kind: 'connecting', attempt: 1 };
  const stateHandlers = new Set<(s: ConnectionState) => void>();
  const hooks = new Set<(i: Identity) => Promise<void>>();
  const listeners = createNotificationHub();
  const calls: StubConnection['calls'] = [];
  const setState = (s: ConnectionState) => {
    state = s;
    stateHandlers.forEach((h) => h(s));
  };
  return {
    calls,
    get state() {
      return state;
    },
    onState(h) {
      stateHandlers.add(h);
      return () => stateHandlers.delete(h);
    },
    on: listeners.on,
    onReady(hook) {
      hooks.add(hook);
      return () => hooks.delete(hook);
    },
    async call(method, params) {
      calls.push({ method, params });
      const h = handlers[method] as ((p: unknown) => unknown) | undefined;
      if (!h) throw new RpcError(ErrorCode.MethodNotFound, `stub has no ${method}`);
      return (await h(params)) as never;
    },
    async start() {
      setState({ kind: 'connected', identity });
      for (const hook of hooks) await hook(identity);
      return identity;
    },
    close() {
      setState({ kind: 'closed' });
    },
    emit(name, params) {
      listeners.emit(name, params);
    },
    setState,
  };
}
