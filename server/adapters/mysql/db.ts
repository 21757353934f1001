// Runs statements on pooled connections with bounds on every wait, so a dead or frozen database
// turns into DatabaseUnavailableError within seconds instead of a hang:
// - waiting for a pool connection is capped (mysql2 has no acquire timeout of its own);
// - each call (all its statements, and the ones mysql2 slips in first: SET time_zone on a new
//   connection, PREPARE) has a deadline; a connection that missed it or broke is destroyed rather
//   than handed back, since mysql2 would queue the next caller behind the stuck command. (mysql2's
//   own per-query `timeout` does not cover those hidden commands.)
import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { Logger } from '../../core/ports.js';
import { isConnectionError, toStoreError } from './errors.js';

export type SqlValue = string | number | null;

export interface Queryable {
  /** `?` values are escaped by the driver (text protocol), or bound to a statement prepared once
   * per connection when `prepared` (faster for the hot fixed statements; never with LIMIT ?, which
   * MySQL >= 8.0.22 rejects as a bound number). */
  rows<T>(sql: string, values?: readonly SqlValue[], prepared?: boolean): Promise<T[]>;
  write(sql: string, values?: readonly SqlValue[], prepared?: boolean): Promise<ResultSetHeader>;
}

export interface Db extends Queryable {
  /** Runs fn inside one transaction on one connection; rolls back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
}

export interface DbOptions {
  logger?: Logger;
  /** Longest wait for a free connection (default 5000 ms). */
  acquireTimeoutMs?: number;
  /** Longest time one call may take once it has a connection (default 5000 ms). */
  queryTimeoutMs?: number;
}

export function createDb(pool: Pool, options: DbOptions = {}): Db {
  const acquireTimeoutMs = options.acquireTimeoutMs ?? 5000;
  const queryTimeoutMs = options.queryTimeoutMs ?? 5000;
  const logger = options.logger;
  let down = false;

  // One line per outage, not one per failed call.
  const noteFailure = (err: unknown) => {
    if (!down && isConnectionError(err)) {
      down = true;
      logger?.warn({ err }, 'database unavailable');
    }
  };
  const noteSuccess = () => {
    if (down) {
      down = false;
      logger?.info({}, 'database reachable again');
    }
  };

  const on = (conn: PoolConnection): Queryable => ({
    async rows<T>(sql: string, values: readonly SqlValue[] = [], prepared = false) {
      const options = { sql, values: [...values] };
      const [rows] = prepared ? await conn.execute<RowDataPacket[]>(options) : await conn.query<RowDataPacket[]>(options);
      return rows as T[];
    },
    async write(sql: string, values: readonly SqlValue[] = [], prepared = false) {
      const options = { sql, values: [...values] };
      const [result] = prepared ? await conn.execute<ResultSetHeader>(options) : await conn.query<ResultSetHeader>(options);
      return result;
    },
  });

  async function withConnection<T>(fn: (conn: PoolConnection) => Promise<T>): Promise<T> {
    let conn: PoolConnection;
    try {
      conn = await acquire(pool, acquireTimeoutMs);
    } catch (err) {
      noteFailure(err);
      throw toStoreError(err);
    }
    try {
      const result = await withDeadline(fn(conn), queryTimeoutMs);
      conn.release();
      noteSuccess();
      return result;
    } catch (err) {
      if (isConnectionError(err)) conn.destroy();
      else conn.release();
      noteFailure(err);
      throw toStoreError(err);
    }
  }

  return {
    rows: (sql, values, prepared) => withConnection((conn) => on(conn).rows(sql, values, prepared)),
    write: (sql, values, prepared) => withConnection((conn) => on(conn).write(sql, values, prepared)),
    transaction: (fn) =>
      withConnection(async (conn) => {
        const tx = on(conn);
        await tx.write('START TRANSACTION');
        try {
          const result = await fn(tx);
          await tx.write('COMMIT');
          return result;
        } catch (err) {
          // A broken connection is destroyed by withConnection (the server rolls back by itself).
          if (!isConnectionError(err)) await tx.write('ROLLBACK').catch(() => undefined);
          throw err;
        }
      }),
  };
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  // The work may still settle after the deadline (rejecting once its connection is destroyed).
  work.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error(`no answer from the database within ${ms} ms`), { code: 'CJM_QUERY_TIMEOUT' })),
      ms,
    );
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

function acquire(pool: Pool, timeoutMs: number): Promise<PoolConnection> {
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      reject(Object.assign(new Error(`no database connection within ${timeoutMs} ms`), { code: 'CJM_ACQUIRE_TIMEOUT' }));
    }, timeoutMs);
    pool.getConnection().then(
      (conn) => {
        clearTimeout(timer);
        // Too late for this caller: hand it straight back for the next one.
        if (timedOut) conn.release();
        else resolve(conn);
      },
      (err: unknown) => {
        clearTimeout(timer);
        if (!timedOut) reject(err);
      },
    );
  });
}
