// Applies sql/NNN-name.sql files once each, in order, recorded in schema_migrations. Several servers
// starting at once are serialised by a named lock (GET_LOCK) held on one connection for the whole run.
// MySQL commits DDL implicitly, so a migration that fails halfway is not rolled back: keep each file
// to statements that can be re-run (CREATE ... IF NOT EXISTS) or to a single statement.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { MigrationError } from '../../core/errors.js';
import type { Logger } from '../../core/ports.js';
import { toStoreError } from './errors.js';
import { splitSqlStatements } from './split-sql.js';

export interface MigrationOptions {
  /** Directory holding the NNN-name.sql files. */
  dir: string;
  logger: Logger;
  /** How long to wait for another process's run to finish (default 60 s). */
  lockTimeoutSeconds?: number;
}

export interface MigrationFile {
  name: string;
  file: string;
}

const migrationName = /^(\d+)-[A-Za-z0-9_.-]+\.sql$/;

/** Migration files in the order they apply (by number). Throws on two files with one number. */
export async function listMigrations(dir: string): Promise<MigrationFile[]> {
  const entries = await readdir(dir);
  const files = entries
    .map((name) => ({ name, match: migrationName.exec(name) }))
    .filter((e): e is { name: string; match: RegExpExecArray } => e.match !== null)
    .map((e) => ({ name: e.name, number: Number(e.match[1]), file: path.join(dir, e.name) }))
    .sort((a, b) => a.number - b.number || a.name.localeCompare(b.name));
  for (let i = 1; i < files.length; i++) {
    if (files[i]?.number === files[i - 1]?.number) {
      throw new Error(`two migrations share number ${files[i]?.number}: ${files[i - 1]?.name}, ${files[i]?.name}`);
    }
  }
  return files.map(({ name, file }) => ({ name, file }));
}

/** Returns the names it applied (empty when the schema was up to date). */
export async function runMigrations(pool: Pool, options: MigrationOptions): Promise<string[]> {
  const { dir, logger } = options;
  const migrations = await listMigrations(dir);
  let conn: PoolConnection;
  try {
    conn = await pool.getConnection();
  } catch (err) {
    throw toStoreError(err);
  }
  let locked = false;
  try {
    // Lock names are server-wide: include the database so test databases do not wait on each other.
    const [lockRows] = await conn.query<RowDataPacket[]>(
      "SELECT GET_LOCK(LEFT(CONCAT('cjm_migrate:', DATABASE()), 64), ?) AS got",
      [options.lockTimeoutSeconds ?? 60],
    );
    if (Number(lockRows[0]?.got) !== 1) throw new Error('timed out waiting for another process to finish migrating');
    locked = true;

    await conn.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         name VARCHAR(255) NOT NULL PRIMARY KEY,
         checksum CHAR(64) NOT NULL,
         applied_at DATETIME(3) NOT NULL
       ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin`,
    );
    const [doneRows] = await conn.query<RowDataPacket[]>('SELECT name, checksum FROM schema_migrations');
    const done = new Map(doneRows.map((r) => [String(r.name), String(r.checksum)]));

    const applied: string[] = [];
    for (const migration of migrations) {
      const text = await readFile(migration.file, 'utf8');
      const checksum = createHash('sha256').update(text).digest('hex');
      const previous = done.get(migration.name);
      if (previous !== undefined) {
        // Forward-only: an applied file must not change; say so, but do not re-run it.
        if (previous !== checksum) logger.warn({ migration: migration.name }, 'applied migration was edited since; not re-applied');
        continue;
      }
      try {
        for (const statement of splitSqlStatements(text)) await conn.query(statement);
        await conn.query<ResultSetHeader>(
          'INSERT INTO schema_migrations (name, checksum, applied_at) VALUES (?, ?, UTC_TIMESTAMP(3))',
          [migration.name, checksum],
        );
      } catch (err) {
        throw new MigrationError(migration.name, err);
      }
      logger.info({ migration: migration.name }, 'migration applied');
      applied.push(migration.name);
    }
    return applied;
  } catch (err) {
    throw err instanceof MigrationError ? err : toStoreError(err);
  } finally {
    if (locked) await conn.query('SELECT RELEASE_LOCK(LEFT(CONCAT(\'cjm_migrate:\', DATABASE()), 64))').catch(() => undefined);
    conn.release();
  }
}
