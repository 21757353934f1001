// TokenStore against the real MariaDB.
import { createHash } from 'node:crypto';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenStore } from '../../../server/core/ports.js';
import { createMysqlPool, createTokenStore } from '../../../server/adapters/mysql/index.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

let db: TestDatabase;
let pool: Pool;
let tokens: TokenStore;
const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

beforeAll(async () => {
  db = await createTestDatabase({ migrate: true });
  pool = createMysqlPool(db.url);
  tokens = createTokenStore({ pool });
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe('TokenStore', () => {
  it('ensures a token once, never re-granting on a second ensure', async () => {
    const before = Date.now();
    const admin = await tokens.ensure(sha256('admin-secret'), 'root', true);
    expect(admin).toMatchObject({ user: 'root', admin: true, revokedAt: null });
    // Written by the server in UTC: within a few seconds of now whatever the zones.
    expect(Math.abs(admin.createdAt.getTime() - before)).toBeLessThan(5000);

    const again = await tokens.ensure(sha256('admin-secret'), 'someone', false);
    expect(again).toEqual(admin);
  });

  it('finds by hash; a revoked token is not found; revoke is idempotent', async () => {
    const t = await tokens.ensure(sha256('user-secret'), 'alice', false);
    expect(await tokens.findByHash(sha256('user-secret'))).toEqual(t);
    expect(await tokens.findByHash(sha256('unknown'))).toBeNull();

    expect(await tokens.revoke(t.id)).toBe(true);
    expect(await tokens.revoke(t.id)).toBe(false);
    expect(await tokens.revoke(999_999)).toBe(false);
    expect(await tokens.findByHash(sha256('user-secret'))).toBeNull();

    // Ensuring a revoked hash does not bring it back.
    expect((await tokens.ensure(sha256('user-secret'), 'alice', false)).revokedAt).toBeInstanceOf(Date);
    expect(await tokens.findByHash(sha256('user-secret'))).toBeNull();

    const listed = await tokens.list();
    expect(listed.map((x) => [x.user, x.revokedAt !== null])).toEqual([
      ['root', false],
      ['alice', true],
    ]);
  });

  it('stores only hashes and refuses anything that is not one', async () => {
    await expect(tokens.ensure('plain-token', 'mallory', true)).rejects.toThrow(/64 lower-case hex/);
    await expect(tokens.findByHash('plain-token')).rejects.toThrow(/64 lower-case hex/);
    const [rows] = await pool.query<RowDataPacket[]>('SELECT token_hash FROM tokens');
    for (const r of rows) expect(String(r.token_hash)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('creates one row when many ensure one hash at once', async () => {
    const hash = sha256('burst');
    const results = await Promise.all(Array.from({ length: 10 }, () => tokens.ensure(hash, 'bob', false)));
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
  });
});
