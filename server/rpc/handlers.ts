// The method table: for every method of the contract, validate params -> call the service -> return.
// One JSONRPCServer serves every connection; the per-call CallContext carries the session.
import { JSONRPCServer } from 'json-rpc-2.0';
import {
  createOpenRpcDocument,
  ErrorCode,
  methodNames,
  methods,
  RpcError,
  validateParams,
  type MethodName,
  type NotificationName,
  type NotificationOf,
  type ResultOf,
  type ValidParamsOf,
} from '../protocol/index.js';
import type { Clock, Logger } from '../core/ports.js';
import type { AuthService, Caller, JobService } from '../core/api.js';
import { logRpcError, toErrorResponse } from './error-map.js';
import type { CallContext, Session } from './session.js';

export interface HandlerDeps {
  jobs: JobService;
  auth: AuthService;
  logger: Logger;
  clock?: Pick<Clock, 'now'>;
}

export interface HandlerOptions {
  version: string;
  /** Follows + event subscriptions open at once on one connection. */
  maxSubscriptions?: number;
  /** Notifications a subscription may queue before its `{subscription}` reply is sent. */
  maxQueuedBytes?: number;
}

type Handler<M extends MethodName> = (params: ValidParamsOf<M>, ctx: CallContext) => Promise<ResultOf<M>> | ResultOf<M>;
type HandlerTable = { [M in MethodName]: Handler<M> };

export const defaultMaxSubscriptions = 32;

export function createRpcHandlers(deps: HandlerDeps, options: HandlerOptions): JSONRPCServer<CallContext> {
  const table = createHandlerTable(deps, options);
  const server = new JSONRPCServer<CallContext>({
    // The default listener console.warns every throw; the wrapper below logs, at the right level.
    errorListener: () => {},
  });
  server.mapErrorToJSONRPCErrorResponse = toErrorResponse;
  for (const name of methodNames) {
    const handler = table[name] as Handler<MethodName>;
    const isPublic = 'public' in methods[name] && methods[name].public === true;
    server.addMethod(name, async (params: unknown, ctx: CallContext) => {
      if (!isPublic && !ctx.session.identity) {
        throw new RpcError(ErrorCode.Unauthenticated, 'Not authenticated: send Authorization: Bearer <token> or call auth.login first');
      }
      try {
        return await handler(validateParams(name, params), ctx);
      } catch (e) {
        logRpcError(deps.logger, name, e);
        throw e;
      }
    });
  }
  return server;
}

function createHandlerTable({ jobs, auth, logger, clock }: HandlerDeps, options: HandlerOptions): HandlerTable {
  const maxSubscriptions = options.maxSubscriptions ?? defaultMaxSubscriptions;
  const maxQueuedBytes = options.maxQueuedBytes ?? 4 * 1024 * 1024;
  const now = () => (clock ? clock.now() : new Date());
  let discover: { key: string; doc: Record<string, unknown> } | undefined;
  let nextSubscription = 0;

  function reserveSubscription(session: Session, prefix: string): string {
    if (session.subscriptions.size >= maxSubscriptions) {
      throw new RpcError(ErrorCode.QuotaExceeded, `Quota exceeded: at most ${maxSubscriptions} follows and subscriptions per connection; unfollow some first`);
    }
    const id = `${prefix}-${session.id}-${++nextSubscription}`;
    session.subscriptions.set(id, () => {});
    return id;
  }

  return {
    'job.create': (p, ctx) => jobs.create(callerOf(ctx), p),
    'job.list': (p, ctx) => jobs.list(callerOf(ctx), p),
    'job.get': (p, ctx) => jobs.get(callerOf(ctx), p.id),
    'job.refresh': (p, ctx) => jobs.refresh(callerOf(ctx), p.id),
    'job.stop': (p, ctx) => jobs.stop(callerOf(ctx), p.id, p.timeoutSeconds),
    'job.kill': (p, ctx) => jobs.kill(callerOf(ctx), p.id),
    'job.remove': (p, ctx) => jobs.remove(callerOf(ctx), p.id),
    'job.removeMany': (p, ctx) => jobs.removeMany(callerOf(ctx), p),
    'job.rerun': (p, ctx) => jobs.rerun(callerOf(ctx), p),
    'job.logs': (p, ctx) => jobs.logs(callerOf(ctx), p),
    'job.stats': (p, ctx) => jobs.stats(callerOf(ctx), p.id),
    'system.info': () => jobs.systemInfo(),
    'system.ping': () => ({ ok: true as const, time: now().toISOString() }),
    // With the host's capacity when Docker answers within a second (the document then states the
    // real cpus and memoryMb maxima; the service caches it), without it when not: rpc.discover
    // works before anything else does.
    'rpc.discover': async () => {
      const capacity = await Promise.race([
        (async () => {
          const info = await jobs.systemInfo();
          // Only the swarm runtime lists nodes, and only it takes placement constraints.
          return { ...info.capacity, placement: info.nodes !== undefined };
        })().catch(() => undefined),
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 1000).unref()),
      ]);
      const key = JSON.stringify(capacity ?? null);
      if (discover?.key !== key) discover = { key, doc: createOpenRpcDocument(options.version, capacity) };
      return discover.doc;
    },

    'auth.login': async (p, { session }) => {
      const identity = await auth.authenticate(p.token);
      if (!identity) {
        logger.info({ session: session.id }, 'auth.login with an unknown or revoked token');
        throw new RpcError(ErrorCode.Unauthenticated, 'Not authenticated: unknown or revoked token');
      }
      // Another user on the same connection: what was subscribed as the old one must not leak on.
      if (session.identity && session.identity.user !== identity.user) cancelAll(session);
      session.identity = identity;
      session.token = p.token;
      return identity;
    },

    'job.follow': async (p, ctx) => {
      const caller = callerOf(ctx);
      const { session } = ctx;
      const subscription = reserveSubscription(session, 'f');
      const out = gatedSender(ctx, maxQueuedBytes);
      let ended = false;
      try {
        const cancel = await jobs.follow(caller, p, {
          chunk: (c) => {
            if (ended || !session.transport.writable()) return false;
            return out.send('job.log', { subscription, id: p.id, ...c }, c.data.length);
          },
          end: (reason, offset) => {
            if (ended) return;
            ended = true;
            session.subscriptions.delete(subscription);
            out.send('job.logEnd', { subscription, id: p.id, offset, reason }, 0, true);
          },
        });
        if (ended || session.closed || !session.subscriptions.has(subscription)) {
          // It ended already, or was unfollowed or disconnected while the follow was being set up.
          cancel();
        } else {
          session.subscriptions.set(subscription, () => {
            ended = true;
            cancel();
          });
        }
      } catch (e) {
        session.subscriptions.delete(subscription);
        throw e;
      }
      return { subscription };
    },

    'job.unfollow': (p, { session }) => {
      // Idempotent: a follow that already ended (job finished, dropped) is not an error to unfollow.
      const cancel = session.subscriptions.get(p.subscription);
      session.subscriptions.delete(p.subscription);
      cancel?.();
      return { ok: true as const };
    },

    'events.subscribe': (_p, ctx) => {
      const caller = callerOf(ctx);
      const { session } = ctx;
      // One event feed per connection: job.updated carries no subscription id, so a second feed
      // would only deliver every event twice.
      for (const id of session.subscriptions.keys()) if (id.startsWith('e-')) return { subscription: id };
      const subscription = reserveSubscription(session, 'e');
      const out = gatedSender(ctx, Number.POSITIVE_INFINITY);
      const unsubscribe = jobs.subscribe(caller, {
        updated: (job) => out.send('job.updated', { job }, 0),
        removed: (id) => out.send('job.removed', { id }, 0),
      });
      session.subscriptions.set(subscription, unsubscribe);
      return { subscription };
    },
  };
}

function callerOf({ session }: CallContext): Caller {
  if (!session.identity) throw new RpcError(ErrorCode.Unauthenticated);
  return session.identity;
}

function cancelAll(session: Session): void {
  const cancels = [...session.subscriptions.values()];
  session.subscriptions.clear();
  for (const cancel of cancels) cancel();
}

/** Holds a new subscription's notifications until the reply that names it has been sent, bounded
 * by maxQueuedBytes (send returns false past it). */
function gatedSender(ctx: CallContext, maxQueuedBytes: number) {
  let open = false;
  let queuedBytes = 0;
  const queue: (() => void)[] = [];
  ctx.afterReply.push(() => {
    open = true;
    for (const send of queue.splice(0)) send();
  });
  return {
    send<N extends NotificationName>(name: N, params: NotificationOf<N>, bytes: number, force = false): boolean {
      const { session } = ctx;
      if (session.closed) return false;
      if (open) {
        session.transport.notify(name, params);
        return true;
      }
      if (!force && queuedBytes + bytes > maxQueuedBytes) return false;
      queuedBytes += bytes;
      queue.push(() => {
        if (!session.closed) session.transport.notify(name, params);
      });
      return true;
    },
  };
}
