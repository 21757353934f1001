// The composition root of the server: wires adapters into core, core into rpc and web, and owns their
// lifecycle. Everything opened here is closed in reverse order by close().
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { getRequestListener } from '@hono/node-server';
import type { Pool } from 'mysql2/promise';
import { createDockerRuntime } from './adapters/docker/index.js';
import { createFileLogStore } from './adapters/logs/index.js';
import { createSwarmRuntime } from './adapters/swarm/index.js';
import { createJobStore, createMysqlPool, createTokenStore, runMigrations } from './adapters/mysql/index.js';
import { createAuthService } from './core/auth.js';
import { createSystemClock } from './core/clock.js';
import { DatabaseUnavailableError, DockerUnavailableError } from './core/errors.js';
import { createJobService } from './core/job-service.js';
import type { Logger } from './core/ports.js';
import { createPortProxy } from './http/port-proxy.js';
import { createRpcServer, type LocalApi, type RpcServerOptions } from './rpc/index.js';
import { redactDatabaseUrl, type Config } from './config.js';
import { createLogger } from './logger.js';
import { createWebApp } from '../web/app.js';

export interface StartOptions {
  logger?: Logger;
  /** How long to keep retrying an unreachable database at start (default 30 s). */
  databaseRetryMs?: number;
  /** Overrides for the rpc layer (tests: keepalive, token re-check interval). */
  rpc?: Partial<Omit<RpcServerOptions, 'version'>>;
}

export interface RunningServer {
  /** http://host:port/ — the web page. */
  url: string;
  /** ws://host:port/rpc — the JSON-RPC endpoint. */
  rpcUrl: string;
  port: number;
  version: string;
  /** An in-process client (what the web app uses): same token check and handlers as the socket. */
  connect(token: string): Promise<LocalApi>;
  close(): Promise<void>;
}

/** The repository root (holds package.json and sql/), found from this file whether it runs as
 * server/app.ts (tsx, vitest) or dist/server/app.js. */
export function findPackageRoot(from: string = fileURLToPath(import.meta.url)): string {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'sql'))) return dir;
    if (dirname(dir) === dir) throw new Error(`cannot find the cjm package root above ${from}`);
  }
}

export function readVersion(root: string): string {
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const root = findPackageRoot();
  const version = readVersion(root);
  // Teardown steps, pushed as things open; run in reverse on close() or on a failed start.
  const teardown: { name: string; run: () => Promise<void> }[] = [];
  const closeAll = async () => {
    for (const step of teardown.splice(0).reverse()) {
      try {
        await step.run();
      } catch (e) {
        logger.warn({ err: e }, `closing ${step.name} failed`);
      }
    }
  };

  try {
    const pool = createMysqlPool(config.databaseUrl);
    teardown.push({ name: 'database pool', run: () => pool.end() });
    const applied = await migrateWithRetry(pool, { dir: join(root, 'sql'), logger, url: config.databaseUrl, retryMs: options.databaseRetryMs ?? 30_000 });
    if (applied.length) logger.info({ applied }, `applied ${applied.length} migration(s)`);

    const store = createJobStore({ pool, logger });
    const tokens = createTokenStore({ pool, logger });
    const clock = createSystemClock();
    // A unix socket from the config is used as given (a server started in-process with its own
    // config); otherwise dockerode reads DOCKER_HOST (and DOCKER_TLS_VERIFY, DOCKER_CERT_PATH) itself.
    const docker = config.dockerHost?.startsWith('unix://') ? new Docker({ socketPath: config.dockerHost.slice('unix://'.length) }) : new Docker();
    const runtime =
      config.runtime === 'swarm'
        ? createSwarmRuntime({ docker, logger, clock }, { instance: config.instance })
        : createDockerRuntime(
            { docker, logger, clock },
            { instance: config.instance, logMaxBytes: config.logMaxBytes, jobsReachHost: config.jobsReachHost, concurrency: config.dockerConcurrency },
          );
    const logs = createFileLogStore({ runtime, clock, logger }, { dataDir: config.dataDir, maxBytes: config.logMaxBytes });
    teardown.push({ name: 'log store', run: () => logs.close() });

    const jobs = createJobService({ store, runtime, logs, clock, logger }, {
      version,
      quotas: config.quotas,
      capacity: config.capacity,
      backfillWaitMs: config.backfillWaitMs,
      // A burst of 1,000 creates otherwise runs passes back to back, each reading every queued job.
      queuePassGapMs: 50,
      retentionMs: config.retentionMs,
    });
    teardown.push({ name: 'job service', run: () => jobs.close() });
    try {
      await jobs.start();
    } catch (e) {
      // Docker down is not fatal: calls answer 5003 and the event stream's resync reconciles later.
      if (!(e instanceof DockerUnavailableError)) throw e;
      logger.warn({ err: e.cause ?? e }, 'Docker is unreachable at start; jobs will be reconciled when it is back');
    }

    const auth = createAuthService({ tokens });
    if (config.adminToken) {
      await auth.ensureAdminToken(config.adminToken, config.adminUser);
      logger.info({ user: config.adminUser }, 'admin token from CJM_ADMIN_TOKEN is in place');
    }

    const rpc = createRpcServer({ jobs, auth, logger, clock }, { version, rateLimit: config.rateLimit, ...options.rpc });
    teardown.push({ name: 'rpc server', run: () => rpc.close() });
    const web = createWebApp({ connect: rpc.connect, logger }, { version, secureCookies: config.secureCookies });

    const ports = createPortProxy({ jobs, auth, logger, sessionToken: web.sessionToken }, { sessionCookie: web.sessionCookie });
    teardown.push({ name: 'port proxy', run: () => ports.close() });
    const page = getRequestListener(web.fetch);
    // /jobs/<id>/ports/... goes to the job's own server; everything else is the web page and /rpc.
    const http = createServer((req, res) => {
      if (ports.handles(req.url)) return ports.handleRequest(req, res);
      page(req, res).catch((err: unknown) => {
        logger.error({ err, url: req.url }, 'the web page handler failed');
        res.destroy();
      });
    });
    http.on('upgrade', (req, socket, head) => (ports.handles(req.url) ? ports.handleUpgrade(req, socket, head) : rpc.handleUpgrade(req, socket, head)));
    await listen(http, config.listen.host, config.listen.port);
    // Runs first: stop accepting, close the rpc sockets and the port tunnels (http.close waits for the
    // upgraded ones too), then wait for the listener to be gone. Both closes are idempotent, so their
    // own steps are no-ops.
    teardown.push({ name: 'http server', run: () => closeHttp(http, async () => {
      await Promise.all([rpc.close(), ports.close()]);
    }) });

    const address = http.address();
    const port = typeof address === 'object' && address ? address.port : config.listen.port;
    const host = config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host;
    logger.info({ port, version, dataDir: config.dataDir, database: redactDatabaseUrl(config.databaseUrl) }, `cjm-server listening on http://${host}:${port}`);
    return {
      url: `http://${host}:${port}/`,
      rpcUrl: `ws://${host}:${port}/rpc`,
      port,
      version,
      connect: rpc.connect,
      close: closeAll,
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}

async function migrateWithRetry(pool: Pool, o: { dir: string; logger: Logger; url: string; retryMs: number }): Promise<string[]> {
  const deadline = Date.now() + o.retryMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await runMigrations(pool, { dir: o.dir, logger: o.logger });
    } catch (e) {
      if (!(e instanceof DatabaseUnavailableError)) throw e;
      const cause = e.cause instanceof Error ? e.cause.message : String(e.cause ?? e.message);
      if (Date.now() >= deadline) {
        throw new Error(`database unreachable at ${redactDatabaseUrl(o.url)} (gave up after ${Math.round(o.retryMs / 1000)} s): ${cause}`, { cause: e });
      }
      const waitMs = Math.min(500 * 2 ** (attempt - 1), 5000, Math.max(0, deadline - Date.now()));
      o.logger.warn({ attempt, cause }, `database unreachable at ${redactDatabaseUrl(o.url)}; retrying in ${waitMs} ms`);
      await new Promise((r) => setTimeout(r, waitMs));
    }
  }
}

function listen(http: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    http.once('error', onError);
    http.listen(port, host, () => {
      http.off('error', onError);
      resolve();
    });
  });
}

async function closeHttp(http: Server, closeUpgraded: () => Promise<void>): Promise<void> {
  const closed = new Promise<void>((resolve) => http.close(() => resolve()));
  // Keep-alive HTTP connections would hold close() open; upgraded sockets are the rpc layer's.
  http.closeAllConnections();
  await closeUpgraded();
  await closed;
}
