import type { Context } from 'hono';
import { ErrorCode, isRpcError } from '#protocol';
import type { SessionStore, Session } from './session-store.js';
import type { HostLimits, LimitKey, LocalApi, WebDeps, WebOptions } from './types.js';
import { page, type PageOptions } from './views/layout.js';
import type { Html } from './views/html.js';

export type WebSession = Session<LocalApi>;
export type WebEnv = { Variables: { session: WebSession } };
export type WebCtx = Context<WebEnv>;

/** The session's token stopped working (revoked): the user must sign in again. */
export class SignedOutError extends Error {
  constructor() {
    super('signed out');
    this.name = 'SignedOutError';
  }
}

export interface Web {
  deps: WebDeps;
  options: Required<WebOptions>;
  sessions: SessionStore<LocalApi>;
  cookieName: string;
  /** Runs fn with the session's connection, opening it on demand and dropping it when it broke. */
  withApi<T>(s: WebSession, fn: (api: LocalApi) => Promise<T>): Promise<T>;
  /** A full page for a signed-in user, taking the session's one-shot flash. */
  render(c: WebCtx, status: 200 | 404 | 409 | 422 | 429 | 500 | 503, title: string, body: Html, extra?: Partial<PageOptions>): Response;
  /** The limits this host enforces for no job (system.info), for one banner instead of a warning
   * on every row; re-read at most once a minute. Empty when the server cannot say. */
  hostUnenforced(s: WebSession): Promise<HostLimits>;
}

const limitKeys: readonly LimitKey[] = ['cpus', 'memory', 'ioWeight', 'pids'];

export function createWeb(deps: WebDeps, options: Required<WebOptions>, sessions: SessionStore<LocalApi>, cookieName: string): Web {
  let host: { at: number; value: HostLimits } | null = null;
  const web: Web = {
    deps,
    options,
    sessions,
    cookieName,
    async withApi(s, fn) {
      try {
        s.api ??= await deps.connect(s.token);
        return await fn(s.api);
      } catch (e) {
        if (isRpcError(e) && e.code === ErrorCode.Unauthenticated) {
          sessions.delete(s.id);
          throw new SignedOutError();
        }
        if (!isRpcError(e) || e.code === ErrorCode.InternalError) {
          // Maybe the connection itself broke: open a fresh one next time.
          const api = s.api;
          s.api = null;
          try {
            api?.close();
          } catch {
            /* already closed */
          }
        }
        throw e;
      }
    },
    render(c, status, title, body, extra = {}) {
      const s = c.get('session');
      const flash = s.flash;
      s.flash = null;
      c.header('Cache-Control', 'no-store');
      return c.html(page({ title, version: options.version, user: { name: s.user, csrf: s.csrf }, flash, ...extra }, body), status);
    },
    async hostUnenforced(s) {
      if (host && Date.now() - host.at < 60_000) return host.value;
      try {
        const e = (await web.withApi(s, (api) => api.call('system.info', {}))).enforcement;
        const value: HostLimits = { limits: limitKeys.filter((k) => !e[k]), ...(e.note ? { note: e.note } : {}) };
        host = { at: Date.now(), value };
        return value;
      } catch (err) {
        if (err instanceof SignedOutError) throw err;
        deps.logger.warn({ err }, 'web: system.info failed');
        return { limits: [] };
      }
    },
  };
  return web;
}

/** A message for an error from the server that is safe and useful to show. */
export function describeError(e: unknown, what: string): string {
  if (!isRpcError(e)) return `Could not ${what}: the server had an internal error.`;
  switch (e.code) {
    case ErrorCode.JobNotFound:
      return `Could not ${what}: the job was not found (it may have been removed).`;
    case ErrorCode.DockerUnavailable:
      return `Could not ${what}: Docker is unreachable on the server. Try again shortly.`;
    case ErrorCode.DatabaseUnavailable:
      return `Could not ${what}: the database is unreachable. Try again shortly.`;
    default:
      return `Could not ${what}: ${e.message}`;
  }
}

export function httpStatusOf(e: unknown): 404 | 500 | 503 {
  if (isRpcError(e) && e.code === ErrorCode.JobNotFound) return 404;
  if (isRpcError(e) && (e.code === ErrorCode.DockerUnavailable || e.code === ErrorCode.DatabaseUnavailable)) return 503;
  return 500;
}
