import type { CjmClient } from '#protocol/client';
import {
  createNotificationHub,
  ErrorCode,
  isRpcError,
  notifications,
  RpcError,
  type Identity,
  type MethodName,
  type NotificationName,
  type NotificationOf,
  type ParamsOf,
  type ResultOf,
} from '#protocol';

// A connection that outlives its sockets: when the server goes away it says so ("disconnected,
// retrying in 4s"), reconnects with exponential backoff, logs in again and then runs every `onReady`
// hook (re-subscribe, re-list, resume the log follow). Notification handlers registered once stay
// registered across sockets.

export type ConnectionState =
  | { kind: 'connecting'; attempt: number }
  | { kind: 'connected'; identity: Identity }
  | { kind: 'disconnected'; attempt: number; retryAt: number; error: string }
  | { kind: 'closed' };

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor: number;
}

export const defaultBackoff: BackoffOptions = { initialMs: 500, maxMs: 10_000, factor: 2 };

/** Delay before retry number `attempt` (1-based): 0.5 s, 1 s, 2 s, ... capped. */
export function backoffDelay(attempt: number, o: BackoffOptions = defaultBackoff): number {
  return Math.min(o.maxMs, o.initialMs * o.factor ** Math.max(0, attempt - 1));
}

export interface ConnectionDeps {
  connect: (url: string, token: string) => Promise<CjmClient>;
  now?: () => number;
  /** A failed onReady hook (a re-list that timed out...): shown, never fatal. */
  onError?: (e: unknown) => void;
}

export interface ConnectionOptions {
  url: string;
  token: string;
  backoff?: BackoffOptions;
}

export interface Connection {
  readonly state: ConnectionState;
  onState(handler: (state: ConnectionState) => void): () => void;
  on<N extends NotificationName>(name: N, handler: (params: NotificationOf<N>) => void): () => void;
  /** Runs after every successful (re)connect and login; errors in a hook are reported, not fatal. */
  onReady(hook: (identity: Identity) => Promise<void>): () => void;
  call<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>>;
  /** The first connection: rejects (and stops) if the server cannot be reached or refuses the token. */
  start(): Promise<Identity>;
  close(): void;
}

export class LoginRefusedError extends Error {}

export function createConnection(deps: ConnectionDeps, options: ConnectionOptions): Connection {
  const now = deps.now ?? Date.now;
  const backoff = options.backoff ?? defaultBackoff;
  let state: ConnectionState = { kind: 'connecting', attempt: 1 };
  let client: CjmClient | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const stateHandlers = new Set<(s: ConnectionState) => void>();
  const readyHooks = new Set<(identity: Identity) => Promise<void>>();
  const hub = createNotificationHub();
  // Every notification the contract defines, so a new one needs no change here.
  const notificationNames = Object.keys(notifications) as NotificationName[];

  function setState(s: ConnectionState): void {
    state = s;
    stateHandlers.forEach((h) => h(s));
  }

  async function attempt(n: number): Promise<Identity> {
    setState({ kind: 'connecting', attempt: n });
    let c: CjmClient;
    try {
      c = await deps.connect(options.url, options.token);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (/HTTP 40[13]/.test(msg)) throw new LoginRefusedError(`the server refused the token (${msg.replace(/^server refused the connection: /, '')})`);
      throw e;
    }
    let identity: Identity;
    try {
      identity = await c.call('auth.login', { token: options.token });
    } catch (e) {
      c.close();
      if (isRpcError(e) && (e.code === ErrorCode.Unauthenticated || e.code === ErrorCode.InvalidParams)) {
        throw new LoginRefusedError(`the server refused the token: ${e.message}`);
      }
      throw e;
    }
    if (closed) {
      c.close();
      throw new Error('closed');
    }
    client = c;
    // One dispatcher per name per socket, so handlers added or removed later need no re-wiring.
    for (const name of notificationNames) {
      c.on(name, (p) => hub.emit(name, p));
    }
    c.onClose((info) => {
      if (client !== c) return;
      client = undefined;
      if (!closed) scheduleRetry(1, `connection closed (${info.code}${info.reason ? ` ${info.reason}` : ''})`);
    });
    setState({ kind: 'connected', identity });
    for (const hook of readyHooks) {
      try {
        await hook(identity);
      } catch (e) {
        deps.onError?.(e);
      }
    }
    return identity;
  }

  function scheduleRetry(n: number, error: string): void {
    const delay = backoffDelay(n, backoff);
    setState({ kind: 'disconnected', attempt: n, retryAt: now() + delay, error });
    timer = setTimeout(() => {
      timer = undefined;
      if (closed) return;
      attempt(n).catch((e: unknown) => {
        if (!closed) scheduleRetry(n + 1, e instanceof Error ? e.message : String(e));
      });
    }, delay);
  }

  const connection: Connection = {
    get state() {
      return state;
    },
    onState(h) {
      stateHandlers.add(h);
      return () => stateHandlers.delete(h);
    },
    on: hub.on,
    onReady(hook) {
      readyHooks.add(hook);
      return () => readyHooks.delete(hook);
    },
    async call(method, params) {
      if (!client) throw new RpcError(ErrorCode.InternalError, 'not connected');
      return client.call(method, params);
    },
    start() {
      return attempt(1);
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      client?.close();
      client = undefined;
      setState({ kind: 'closed' });
    },
  };
  return connection;
}
