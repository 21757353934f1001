// A throwaway database per test file on the real server (CJM_TEST_DATABASE_URL; else the server the
// provision script set up, from /etc/cjm/cjm.env, whose password it generated; else the DESIGN.md
// default cjm:cjm on the local MariaDB). Fails loudly when the server is unreachable: a test that needs MySQL must not pass
// without it.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import { createMysqlPool } from '../../server/adapters/mysql/pool.js';
import { runMigrations } from '../../server/adapters/mysql/migrations.js';
import { parseMysqlUrl, withDatabase } from '../../server/adapters/mysql/url.js';
import { redactDatabaseUrl } from '../../server/config.js';

export const testDatabaseUrl =
  process.env.CJM_TEST_DATABASE_URL ?? provisionedDatabaseUrl() ?? 'mysql://cjm:cjm@127.0.0.1:3306/cjm';

function provisionedDatabaseUrl(): string | undefined {
  try {
    return /^CJM_DATABASE_URL=(\S+)$/m.exec(readFileSync('/etc/cjm/cjm.env', 'utf8'))?.[1];
  } catch {
    return undefined; // not provisioned here, or not readable by this user
  }
}

/** The repository's sql/ directory. */
export const migrationsDir = fileURLToPath(new URL('../../sql/', import.meta.url));

export interface TestDatabase {
  /** mysql://... of the new, empty (or migrated) database. */
  url: string;
  name: string;
  drop(): Promise<void>;
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

export interface TestDatabaseOptions {
  /** Apply the sql/ migrations (default false: an empty database). */
  migrate?: boolean;
  /** Server to use; default CJM_TEST_DATABASE_URL (its credentials; the database part is replaced). */
  serverUrl?: string;
}

/** Creates cjm_test_<random> and returns its URL; throws naming the server when it is unreachable. */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const serverUrl = options.serverUrl ?? testDatabaseUrl;
  const name = `cjm_test_${randomBytes(6).toString('hex')}`;
  await admin(serverUrl, `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci`);
  const url = withDatabase(serverUrl, name);
  if (options.migrate) {
    const pool = createMysqlPool(url);
    try {
      await runMigrations(pool, { dir: migrationsDir, logger: silent });
    } finally {
      await pool.end();
    }
  }
  return { url, name, drop: () => admin(serverUrl, `DROP DATABASE IF EXISTS \`${name}\``) };
}

async function admin(serverUrl: string, sql: string): Promise<void> {
  const { host, port, user, password } = parseMysqlUrl(serverUrl);
  let conn: mysql.Connection;
  try {
    conn = await mysql.createConnection({ host, port, user, password, connectTimeout: 3000 });
  } catch (err) {
    throw new Error(
      `test database server unreachable at ${redactDatabaseUrl(serverUrl)} (set CJM_TEST_DATABASE_URL; .ci/run starts MariaDB): ${
        err instanceof Error ? err.message : String(err)
      }`,
      { cause: err },
    );
  }
  try {
    await conn.query(sql);
  } finally {
    await conn.end();
  }
}
