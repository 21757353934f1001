// One connection's state, whatever carries it (a WebSocket, or the in-process LocalApi): who it is,
// its subscriptions, its rate limiter, and how to push a notification to it.
import type { NotificationName, NotificationOf } from '../protocol/index.js';
import type { Caller } from '../core/api.js';
import { createRateLimiter, type RateLimiter, type RateLimitOptions } from './rate-limit.js';

/** What a transport gives a session. */
export interface SessionTransport {
  /** Sends a notification now. */
  notify<N extends NotificationName>(name: N, params: NotificationOf<N>): void;
  /** false while the peer is not reading fast enough (socket buffer over the soft bound). */
  writable(): boolean;
  /** Closes the connection (the transport then calls session.dispose()). */
  close(code: number, reason: string): void;
}

export interface Session {
  readonly id: number;
  identity: Caller | null;
  /** The token the identity came from, kept to re-check it (revocation). */
  token: string | null;
  readonly limiter: RateLimiter;
  /** Subscription id -> cancel. A slot is reserved (with a no-op) while the subscribe call runs. */
  readonly subscriptions: Map<string, () => void>;
  readonly transport: SessionTransport;
  readonly closed: boolean;
  /** Cancels every subscription; idempotent. */
  dispose(): void;
}

export function createSession(id: number, transport: SessionTransport, rateLimit: RateLimitOptions, nowMs: number): Session {
  let closed = false;
  const session: Session = {
    id,
    identity: null,
    token: null,
    limiter: createRateLimiter(rateLimit, nowMs),
    subscriptions: new Map(),
    transport,
    get closed() {
      return closed;
    },
    dispose() {
      if (closed) return;
      closed = true;
      const cancels = [...session.subscriptions.values()];
      session.subscriptions.clear();
      for (const cancel of cancels) cancel();
    },
  };
  return session;
}

/** What every handler gets besides its params: the session, and hooks to run once this call's reply
 * has been sent (so a subscription's first notification never overtakes the `{subscription}` answer). */
export interface CallContext {
  session: Session;
  afterReply: (() => void)[];
}
