// The real server stack in-process for tests: a throwaway database, a temp data dir, port 0 on
// 127.0.0.1, real dockerd. Everything is removed again by close().
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type StartOptions } from '../../server/app.js';
import type { LocalApi } from '../../server/rpc/index.js';
import { loadConfig, type Config } from '../../server/config.js';
import { generateToken } from '../../server/core/auth.js';
import { createLogger, createSilentLogger } from '../../server/logger.js';
import { removeJobs } from './cleanup.js';
import { removeInstanceNetworks, testDocker } from './docker.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export interface TestServer {
  /** ws://127.0.0.1:PORT/rpc — pass to createClient. */
  url: string;
  /** http://127.0.0.1:PORT/ — the web page. */
  httpUrl: string;
  port: number;
  /** An admin token (user "admin"). */
  adminToken: string;
  databaseUrl: string;
  database: TestDatabase;
  dataDir: string;
  config: Config;
  /** An in-process client of this server (what the web app is given). */
  connect(token: string): Promise<LocalApi>;
  /** Stops the server, then drops the database and the data dir (unless keep). */
  close(options?: { keep?: boolean }): Promise<void>;
}

export interface TestServerOptions {
  /** Extra CJM_* variables (e.g. CJM_RATE_LIMIT). */
  env?: Record<string, string>;
  /** Reuse a database/data dir (restart tests); otherwise fresh ones are made. */
  database?: TestDatabase;
  dataDir?: string;
  adminToken?: string;
  rpc?: StartOptions['rpc'];
}

/** Logs are silent unless CJM_TEST_LOG_LEVEL is set (e.g. debug), then they go to stderr. */
const testLogLevel = process.env.CJM_TEST_LOG_LEVEL;

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const database = options.database ?? (await createTestDatabase());
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'cjm-test-')));
  const adminToken = options.adminToken ?? generateToken();
  const cleanup = async (keep: boolean) => {
    if (keep) return;
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const config = loadConfig({
      CJM_LISTEN: '127.0.0.1:0',
      CJM_DATABASE_URL: database.url,
      CJM_DATA_DIR: dataDir,
      CJM_ADMIN_TOKEN: adminToken,
      CJM_LOG_LEVEL: 'warn',
      ...options.env,
    });
    const logger = testLogLevel ? createLogger(config.logLevel === 'warn' ? (testLogLevel as Config['logLevel']) : config.logLevel, process.stderr) : createSilentLogger();
    const server = await startServer(config, { logger, databaseRetryMs: 5000, ...(options.rpc ? { rpc: options.rpc } : {}) });
    return {
      url: server.rpcUrl,
      httpUrl: server.url,
      port: server.port,
      adminToken,
      databaseUrl: database.url,
      database,
      dataDir,
      config,
      connect: server.connect,
      async close(closeOptions = {}) {
        const keep = closeOptions.keep ?? false;
        // The jobs' containers live on the shared dockerd: remove them with the server's records.
        if (!keep) {
          const admin = await server.connect(adminToken).catch(() => undefined);
          await removeJobs(admin);
          admin?.close();
          await removeInstanceNetworks(testDocker(), config.instance).catch(() => undefined);
        }
        await server.close();
        await cleanup(keep);
      },
    };
  } catch (e) {
    await cleanup(options.database !== undefined);
    throw e;
  }
}
