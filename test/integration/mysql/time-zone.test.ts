// Times are stored as UTC whatever the Node process's and the MySQL session's time zones are.
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobStore, createMysqlPool } from '../../../server/adapters/mysql/index.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { newJob, recordingLogger } from './fixtures.js';

let db: TestDatabase;
let pool: Pool;
const originalTz = process.env.TZ;

beforeAll(async () => {
  db = await createTestDatabase({ migrate: true });
});

afterAll(async () => {
  process.env.TZ = originalTz;
  await pool?.end();
  await db?.drop();
});

describe('time zones', () => {
  it('pins every pooled connection to UTC', async () => {
    pool = createMysqlPool(db.url, { connectionLimit: 3 });
    const conns = await Promise.all([pool.getConnection(), pool.getConnection(), pool.getConnection()]);
    for (const c of conns) {
      const [rows] = await c.query<RowDataPacket[]>('SELECT @@session.time_zone AS tz, TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), NOW()) AS skew');
      expect(rows[0]).toEqual({ tz: '+00:00', skew: 0 });
    }
    conns.forEach((c) => c.release());
  });

  it('writes and reads UTC with the process in +05:30 and a session in -07:00', async () => {
    process.env.TZ = 'Asia/Kolkata';
    expect(new Date('2024-01-01T00:00:00Z').getHours()).toBe(5); // the process zone did change
    const skewed = createMysqlPool(db.url);
    // Registered after the pool's own listener: this session ends up at -07:00.
    skewed.pool.on('connection', (c) => c.query("SET time_zone = '-07:00'", () => undefined));
    try {
      const store = createJobStore({ pool: skewed, logger: recordingLogger().logger });
      const createdAt = new Date('2024-03-10T23:30:00.500Z');
      const job = await store.insert(newJob({ createdAt }));
      expect(job.createdAt).toBe('2024-03-10T23:30:00.500Z');
      const finishedAt = new Date('2024-03-11T00:15:00.000Z');
      expect((await store.update(job.id, { finishedAt }))?.finishedAt).toBe('2024-03-11T00:15:00.000Z');

      const [rows] = await skewed.query<RowDataPacket[]>(
        'SELECT @@session.time_zone AS tz, CAST(created_at AS CHAR) AS c, CAST(finished_at AS CHAR) AS f FROM jobs WHERE id = ?',
        [job.id],
      );
      expect(rows[0]).toEqual({ tz: '-07:00', c: '2024-03-10 23:30:00.500', f: '2024-03-11 00:15:00.000' });
    } finally {
      await skewed.end();
      process.env.TZ = originalTz;
    }
  });
});
