import { randomBytes, timingSafeEqual } from 'node:crypto';

// Sign-in sessions live only in this process: a random id in the cookie, everything else here.
// Bounded (oldest idle session evicted first) and expiring (idle and absolute limits).

export interface Flash {
  kind: 'ok' | 'error';
  text: string;
}

export interface Session<A> {
  readonly id: string;
  readonly token: string;
  readonly user: string;
  readonly admin: boolean;
  /** The per-session CSRF token every form carries in a hidden field. */
  readonly csrf: string;
  readonly createdAt: number;
  lastSeen: number;
  /** The session's connection to the server, opened on demand and closed with the session. */
  api: A | null;
  /** One message shown on the next page, then dropped. */
  flash: Flash | null;
  /** Open event streams, each with its own connection; bounded per session. */
  streams: number;
}

export interface SessionStoreOptions {
  /** Sign out after this long without a request. Default 2 h. */
  idleMs?: number;
  /** Sign out this long after sign-in whatever happens. Default 24 h. */
  maxAgeMs?: number;
  /** At most this many sessions; the longest idle goes first. Default 1000. */
  maxSessions?: number;
  now?: () => number;
}

export interface SessionStore<A> {
  create(who: { token: string; user: string; admin: boolean; api: A | null }): Session<A>;
  /** The live session for this id, marked as used; undefined when unknown or expired. */
  get(id: string | undefined): Session<A> | undefined;
  /** Whether the session still exists, without counting as use (long-lived streams ask this). */
  isLive(id: string): boolean;
  delete(id: string): void;
  readonly size: number;
  /** Closes every session's connection (server shutdown). */
  closeAll(): void;
}

export function createSessionStore<A extends { close(): void }>(options: SessionStoreOptions = {}): SessionStore<A> {
  const idleMs = options.idleMs ?? 2 * 3600_000;
  const maxAgeMs = options.maxAgeMs ?? 24 * 3600_000;
  const maxSessions = options.maxSessions ?? 1000;
  const now = options.now ?? Date.now;
  // Insertion order = least recently used first: get() re-inserts.
  const sessions = new Map<string, Session<A>>();

  const expired = (s: Session<A>, t: number) => t - s.lastSeen > idleMs || t - s.createdAt > maxAgeMs;

  function drop(s: Session<A>) {
    sessions.delete(s.id);
    closeQuietly(s.api);
    s.api = null;
  }

  function sweep(t: number) {
    for (const s of sessions.values()) if (expired(s, t)) drop(s);
  }

  return {
    create(who) {
      const t = now();
      sweep(t);
      while (sessions.size >= maxSessions) {
        const oldest = sessions.values().next().value;
        if (!oldest) break;
        drop(oldest);
      }
      const s: Session<A> = {
        id: randomToken(),
        csrf: randomToken(),
        token: who.token,
        user: who.user,
        admin: who.admin,
        api: who.api,
        createdAt: t,
        lastSeen: t,
        flash: null,
        streams: 0,
      };
      sessions.set(s.id, s);
      return s;
    },
    get(id) {
      if (!id) return undefined;
      const s = sessions.get(id);
      if (!s) return undefined;
      const t = now();
      if (expired(s, t)) {
        drop(s);
        return undefined;
      }
      s.lastSeen = t;
      sessions.delete(id);
      sessions.set(id, s);
      return s;
    },
    isLive(id) {
      const s = sessions.get(id);
      return s !== undefined && !expired(s, now());
    },
    delete(id) {
      const s = sessions.get(id);
      if (s) drop(s);
    },
    get size() {
      return sessions.size;
    },
    closeAll() {
      for (const s of [...sessions.values()]) drop(s);
    },
  };
}

export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time comparison of two tokens (different lengths compare unequal). */
export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function closeQuietly(api: { close(): void } | null) {
  try {
    api?.close();
  } catch {
    /* already closed */
  }
}
