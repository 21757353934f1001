// The one place a mysql2 pool is configured. Settings chosen so that a dead database fails calls
// fast (5004) instead of hanging them, and so that times never depend on a time zone.
import mysql, { type Pool } from 'mysql2/promise';
import { parseMysqlUrl } from './url.js';

export interface MysqlPoolOptions {
  /** How long a new connection may take before it fails (default 3000 ms). */
  connectTimeoutMs?: number;
  /** Open connections at most (default 10). */
  connectionLimit?: number;
  /** Callers waiting for a connection at most; beyond that they fail at once (default 2000). */
  queueLimit?: number;
}

export function createMysqlPool(url: string, options: MysqlPoolOptions = {}): Pool {
  const { host, port, user, password, database } = parseMysqlUrl(url);
  const pool = mysql.createPool({
    host,
    port,
    user,
    password,
    database,
    charset: 'utf8mb4_unicode_520_ci',
    connectTimeout: options.connectTimeoutMs ?? 3000,
    connectionLimit: options.connectionLimit ?? 10,
    // 0 would mean unbounded in mysql2: a dead database would then pile callers up forever.
    queueLimit: Math.max(1, options.queueLimit ?? 2000),
    waitForConnections: true,
    enableKeepAlive: true,
    idleTimeout: 60_000,
    // Times: the adapter writes UTC strings itself and reads DATETIMEs back as strings (see
    // row-mapping.ts), so neither the process's nor the server's time zone can shift them.
    // `timezone: 'Z'` only matters should a Date ever be passed as a parameter.
    dateStrings: true,
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: false,
    multipleStatements: false,
  });
  // Server-side defaults and functions (NOW(), CURRENT_TIMESTAMP) follow the session time zone:
  // pin it to UTC on every new connection. Queued before the first caller's statement.
  pool.pool.on('connection', (connection) => {
    connection.query("SET time_zone = '+00:00'", () => {
      // A failure here means the connection is broken; the caller's own statement will say so.
    });
  });
  return pool;
}
