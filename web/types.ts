import type { CjmApi } from '#protocol';

/** A connection to the server made in-process for one signed-in user; closing it ends its
 * subscriptions and follows. */
export type LocalApi = CjmApi & { close(): void };

export interface WebLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface WebDeps {
  /** Authenticates the token; rejects with RpcError 4001 when it is not valid. */
  connect(token: string): Promise<LocalApi>;
  logger: WebLogger;
}

export interface WebOptions {
  version: string;
  /** Mark cookies Secure (the page is served over HTTPS). */
  secureCookies?: boolean;
  /** Sign out after this long without a request. Default 2 h. */
  sessionIdleMs?: number;
  /** At most this many signed-in sessions. Default 1000. */
  maxSessions?: number;
  /** Event streams (live list, log follow) one session may hold open at once. Default 8. */
  maxStreamsPerSession?: number;
  /** SSE comment interval that keeps proxies from closing quiet streams. Default 15 s. */
  heartbeatMs?: number;
}

/** A limit of the contract's `enforced`. */
export type LimitKey = 'cpus' | 'memory' | 'ioWeight' | 'pids';

/** The limits this host enforces for no job, with system.info's note. */
export interface HostLimits {
  limits: LimitKey[];
  note?: string;
}
