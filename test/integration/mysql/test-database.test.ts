// The helper other suites build on: a real throwaway database, and a loud failure without a server.
import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../support/database.js';

describe('createTestDatabase', () => {
  it('creates an empty or migrated cjm_test_ database and drops it', async () => {
    const db = await createTestDatabase({ migrate: true });
    expect(db.name).toMatch(/^cjm_test_[0-9a-f]{12}$/);
    const conn = await mysql.createConnection(db.url);
    try {
      const [rows] = await conn.query('SHOW TABLES');
      expect((rows as object[]).length).toBe(4);
    } finally {
      await conn.end();
    }
    await db.drop();
    await db.drop(); // idempotent
  });

  it('throws, naming the server without its password, when the server is unreachable', async () => {
    const started = Date.now();
    const failure = await createTestDatabase({ serverUrl: 'mysql://cjm:secret@127.0.0.1:1/cjm' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/^test database server unreachable at mysql:\/\/cjm:\*\*\*@127\.0\.0\.1:1\/cjm/);
    expect((failure as Error).message).not.toContain('secret');
    expect(Date.now() - started).toBeLessThan(3500);
  });
});
