// AuthService over an in-memory TokenStore (the MySQL one is tested in test/integration/mysql).
import { describe, expect, it } from 'vitest';
import { createAuthService, generateToken, hashToken } from '../../../server/core/auth.js';
import type { TokenRecord, TokenStore } from '../../../server/core/ports.js';

function memoryTokens(): TokenStore & { rows: Map<string, TokenRecord> } {
  const rows = new Map<string, TokenRecord>();
  let id = 0;
  return {
    rows,
    async findByHash(hash) {
      const r = rows.get(hash);
      return r && !r.revokedAt ? r : null;
    },
    async ensure(hash, user, admin) {
      const r = rows.get(hash) ?? { id: ++id, user, admin, createdAt: new Date(), revokedAt: null };
      rows.set(hash, r);
      return r;
    },
    async list() {
      return [...rows.values()];
    },
    async revoke(tokenId) {
      for (const r of rows.values()) if (r.id === tokenId && !r.revokedAt) return Boolean((r.revokedAt = new Date()));
      return false;
    },
  };
}

describe('tokens', () => {
  it('generateToken: cjm_ + 32 random bytes in base64url', () => {
    const a = generateToken();
    expect(a).toMatch(/^cjm_[A-Za-z0-9_-]{43}$/);
    expect(generateToken()).not.toBe(a);
  });

  it('hashToken: SHA-256 hex', () => {
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('createAuthService', () => {
  it('stores only the hash; authenticates the token, not its hash', async () => {
    const tokens = memoryTokens();
    const auth = createAuthService({ tokens });
    const token = generateToken();
    await auth.ensureAdminToken(token, 'root');
    expect([...tokens.rows.keys()]).toEqual([hashToken(token)]);
    expect(JSON.stringify([...tokens.rows])).not.toContain(token);
    expect(await auth.authenticate(token)).toEqual({ user: 'root', admin: true });
    expect(await auth.authenticate(hashToken(token))).toBeNull();
    expect(await auth.authenticate(`${token}x`)).toBeNull();
    expect(await auth.authenticate('')).toBeNull();
  });

  it('ensureAdminToken is idempotent and never re-grants a revoked token', async () => {
    const tokens = memoryTokens();
    const auth = createAuthService({ tokens });
    await auth.ensureAdminToken('a-long-admin-token-value');
    await auth.ensureAdminToken('a-long-admin-token-value');
    expect(tokens.rows.size).toBe(1);
    expect(await auth.authenticate('a-long-admin-token-value')).toEqual({ user: 'admin', admin: true });
    await tokens.revoke(1);
    await auth.ensureAdminToken('a-long-admin-token-value');
    expect(await auth.authenticate('a-long-admin-token-value')).toBeNull();
  });
});
