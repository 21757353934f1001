// runMigrations against the real MariaDB: once each, in order, named on failure, safe in parallel.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseUnavailableError, MigrationError } from '../../../server/core/errors.js';
import { createMysqlPool, runMigrations } from '../../../server/adapters/mysql/index.js';
import { createTestDatabase, migrationsDir, type TestDatabase } from '../../support/database.js';
import { recordingLogger } from './fixtures.js';

let db: TestDatabase;
let pool: Pool;
let dir: string;
const pools: Pool[] = [];

beforeEach(async () => {
  db = await createTestDatabase();
  pool = createMysqlPool(db.url);
  dir = await mkdtemp(path.join(tmpdir(), 'cjm-migrations-'));
});

afterEach(async () => {
  await Promise.all([pool.end(), ...pools.splice(0).map((p) => p.end())]);
  await db.drop();
  await rm(dir, { recursive: true, force: true });
});

async function tables(): Promise<string[]> {
  const [rows] = await pool.query<RowDataPacket[]>('SHOW TABLES');
  return rows.map((r) => String(Object.values(r)[0])).sort();
}

describe('runMigrations', () => {
  it('applies the repository migrations once; a second run applies nothing', async () => {
    const { logger, lines } = recordingLogger();
    const first = await runMigrations(pool, { dir: migrationsDir, logger });
    const all = ['001-create-jobs.sql', '002-create-tokens.sql', '003-job-ports.sql', '004-create-job-search-trigrams.sql', '005-job-constraints.sql'];
    expect(first).toEqual(all);
    expect(await tables()).toEqual(['job_search_trigrams', 'jobs', 'schema_migrations', 'tokens']);
    expect(lines.filter((l) => l.msg === 'migration applied')).toHaveLength(5);

    expect(await runMigrations(pool, { dir: migrationsDir, logger })).toEqual([]);
    const [rows] = await pool.query<RowDataPacket[]>('SELECT name FROM schema_migrations ORDER BY name');
    expect(rows.map((r) => r.name)).toEqual(all);
  });

  it('applies files in numeric order, several statements per file, skipping other files', async () => {
    await writeFile(path.join(dir, '10-second.sql'), 'INSERT INTO t (v) VALUES (2);');
    await writeFile(path.join(dir, '9-first.sql'), '-- makes t; then one row\nCREATE TABLE t (v INT);\nINSERT INTO t (v) VALUES (1);\n');
    await writeFile(path.join(dir, 'README.md'), 'not a migration');
    const { logger } = recordingLogger();
    expect(await runMigrations(pool, { dir, logger })).toEqual(['9-first.sql', '10-second.sql']);
    const [rows] = await pool.query<RowDataPacket[]>('SELECT v FROM t ORDER BY v');
    expect(rows.map((r) => r.v)).toEqual([1, 2]);
  });

  it('stops at a failing migration, naming it; earlier ones stay applied; fixed, it applies', async () => {
    await writeFile(path.join(dir, '001-ok.sql'), 'CREATE TABLE ok_table (id INT);');
    await writeFile(path.join(dir, '002-broken.sql'), 'CREATE TABLE broken (id INT);\nCREAT TABLE oops (id INT);');
    await writeFile(path.join(dir, '003-later.sql'), 'CREATE TABLE later (id INT);');
    const { logger } = recordingLogger();

    const failure = await runMigrations(pool, { dir, logger }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MigrationError);
    expect((failure as MigrationError).migration).toBe('002-broken.sql');
    expect((failure as MigrationError).message).toMatch(/^migration 002-broken\.sql failed: /);
    expect(await tables()).toEqual(['broken', 'ok_table', 'schema_migrations']);

    // Still failing on the next start, and only 001 recorded.
    await expect(runMigrations(pool, { dir, logger })).rejects.toMatchObject({ migration: '002-broken.sql' });
    await writeFile(path.join(dir, '002-broken.sql'), 'CREATE TABLE IF NOT EXISTS broken (id INT);\nCREATE TABLE oops (id INT);');
    expect(await runMigrations(pool, { dir, logger })).toEqual(['002-broken.sql', '003-later.sql']);
  });

  it('is safe when several servers start at once: each migration runs exactly once', async () => {
    // Not idempotent on purpose: a second run of 001 would fail, of 002 would add a row.
    await writeFile(path.join(dir, '001-table.sql'), 'CREATE TABLE counter (n INT);');
    await writeFile(path.join(dir, '002-row.sql'), 'INSERT INTO counter (n) VALUES (1);');
    await writeFile(path.join(dir, '003-slow.sql'), 'DO SLEEP(0.3);');
    for (let i = 0; i < 6; i++) pools.push(createMysqlPool(db.url));
    const { logger } = recordingLogger();
    const results = await Promise.all(pools.map((p) => runMigrations(p, { dir, logger })));
    expect(results.flat().sort()).toEqual(['001-table.sql', '002-row.sql', '003-slow.sql']);
    const [rows] = await pool.query<RowDataPacket[]>('SELECT COUNT(*) AS c FROM counter');
    expect(rows[0]?.c).toBe(1);
  });

  it('warns about an applied migration that was edited, without re-running it', async () => {
    await writeFile(path.join(dir, '001-a.sql'), 'CREATE TABLE a (id INT);');
    const { logger, lines } = recordingLogger();
    await runMigrations(pool, { dir, logger });
    await writeFile(path.join(dir, '001-a.sql'), 'CREATE TABLE a (id INT, x INT);');
    expect(await runMigrations(pool, { dir, logger })).toEqual([]);
    expect(lines.some((l) => l.level === 'warn' && (l.obj as { migration?: string }).migration === '001-a.sql')).toBe(true);
  });

  it('refuses two migrations with one number', async () => {
    await writeFile(path.join(dir, '001-a.sql'), 'SELECT 1;');
    await writeFile(path.join(dir, '001-b.sql'), 'SELECT 1;');
    await expect(runMigrations(pool, { dir, logger: recordingLogger().logger })).rejects.toThrow(/two migrations share number 1/);
  });

  it('fails fast with DatabaseUnavailableError when the server is unreachable', async () => {
    const dead = createMysqlPool('mysql://cjm:cjm@127.0.0.1:1/cjm');
    pools.push(dead);
    const started = Date.now();
    await expect(runMigrations(dead, { dir: migrationsDir, logger: recordingLogger().logger })).rejects.toBeInstanceOf(
      DatabaseUnavailableError,
    );
    expect(Date.now() - started).toBeLessThan(3500);
  });
});
