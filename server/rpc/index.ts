// The rpc layer assembled: one method table, one dispatcher, the WebSocket transport and the
// in-process LocalApi over them, and the periodic token re-check that ends revoked sessions.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Clock, Logger } from '../core/ports.js';
import type { AuthService, JobService } from '../core/api.js';
import { createDispatcher } from './dispatch.js';
import { defaultMaxFrameBytes } from './frames.js';
import { createRpcHandlers } from './handlers.js';
import { connectLocal, type LocalApi } from './local.js';
import type { RateLimitOptions } from './rate-limit.js';
import { createSession, type Session, type SessionTransport } from './session.js';
import { createWsServer } from './ws-server.js';

export type { LocalApi } from './local.js';

export interface RpcServerDeps {
  jobs: JobService;
  auth: AuthService;
  logger: Logger;
  clock?: Pick<Clock, 'now'>;
}

export interface RpcServerOptions {
  version: string;
  /** Frames above this get -32600 (default 1 MiB). */
  maxFrameBytes?: number;
  /** Per connection; default 1000/s, burst 2000. perSecond 0 turns it off. */
  rateLimit?: RateLimitOptions;
  /** Follows + event subscriptions per connection (default 32). */
  maxSubscriptions?: number;
  /** How often open sessions' tokens are checked again, so a revoked token's connections end
   * within this time while the database answers (default 5 s). */
  recheckTokensMs?: number;
  keepaliveMs?: number;
}

export interface RpcServer {
  /** For http.Server's 'upgrade' event. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  connect(token: string): Promise<LocalApi>;
  /** Closes every connection (1001) and stops timers. */
  close(): Promise<void>;
}

export const revokedCloseCode = 4001;

export function createRpcServer(deps: RpcServerDeps, options: RpcServerOptions): RpcServer {
  const { jobs, auth, logger } = deps;
  const maxFrameBytes = options.maxFrameBytes ?? defaultMaxFrameBytes;
  const rateLimit = options.rateLimit ?? { perSecond: 1000, burst: 2000 };
  const rpc = createRpcHandlers(
    { jobs, auth, logger, ...(deps.clock ? { clock: deps.clock } : {}) },
    { version: options.version, ...(options.maxSubscriptions ? { maxSubscriptions: options.maxSubscriptions } : {}) },
  );
  const dispatcher = createDispatcher(rpc, { maxFrameBytes, rateLimit });
  const sessions = new Set<Session>();
  let nextSession = 0;

  function newSession(transport: SessionTransport): Session {
    const session = createSession(++nextSession, transport, rateLimit, performance.now());
    sessions.add(session);
    const dispose = session.dispose.bind(session);
    // Forget the session when it ends, whichever side ends it.
    return Object.assign(session, {
      dispose() {
        sessions.delete(session);
        dispose();
      },
    });
  }

  const ws = createWsServer(
    { dispatcher, auth, logger, newSession },
    { maxPayloadBytes: 4 * maxFrameBytes, ...(options.keepaliveMs ? { keepaliveMs: options.keepaliveMs } : {}) },
  );

  // Revocation: `cjm-server token revoke` is another process writing to the database, so each
  // distinct token in use is checked again every few seconds (one query per token, not per call, so
  // calls stay cheap). All at once, each on its own: a token whose check fails (database unreachable)
  // keeps its sessions - an outage is not a revocation - and is checked again next round, while the
  // others' checks go on. A round takes at most about one database timeout.
  let rechecking = false;
  let closing: Promise<void> | undefined;
  const recheck = setInterval(() => {
    if (rechecking) return;
    rechecking = true;
    recheckTokens()
      .catch((e: unknown) => logger.warn({ err: e }, 'token recheck failed'))
      .finally(() => (rechecking = false));
  }, options.recheckTokensMs ?? 5000);
  recheck.unref();

  async function recheckTokens(): Promise<void> {
    const byToken = new Map<string, Session[]>();
    for (const s of sessions) if (s.token) byToken.set(s.token, [...(byToken.get(s.token) ?? []), s]);
    const failed = (await Promise.all([...byToken].map(([token, list]) => recheckToken(token, list)))).filter((ok) => !ok).length;
    if (failed > 0) logger.warn({ failed, tokens: byToken.size }, 'token re-check failed (database unreachable?); those connections stay open until it answers');
  }

  /** False when the check itself failed. */
  async function recheckToken(token: string, list: Session[]): Promise<boolean> {
    let ok: boolean;
    try {
      ok = (await auth.authenticate(token)) !== null;
    } catch {
      return false;
    }
    if (ok) return true;
    for (const s of list) {
      logger.info({ session: s.id, user: s.identity?.user }, 'token revoked; closing its connection');
      s.identity = null;
      s.token = null;
      s.transport.close(revokedCloseCode, 'token revoked');
    }
    return true;
  }

  return {
    handleUpgrade: ws.handleUpgrade,
    connect: (token) => connectLocal({ dispatcher, auth, newSession }, token),
    close() {
      closing ??= (async () => {
        clearInterval(recheck);
        await ws.close();
        for (const s of [...sessions]) s.dispose();
      })();
      return closing;
    },
  };
}
