// Tokens: generated here, stored only as hashes (TokenStore), checked on every connection.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TokenStore } from './ports.js';
import type { AuthService, Caller } from './api.js';

export interface AuthDeps {
  tokens: TokenStore;
}

export const tokenPrefix = 'cjm_';

/** A new token: 32 random bytes (256 bits), base64url, prefixed so it is recognisable in a leak scan. */
export function generateToken(): string {
  return tokenPrefix + randomBytes(32).toString('base64url');
}

/** SHA-256, hex. Tokens are long random strings, not passwords: there is nothing to brute-force from
 * the hash, so a fast hash is enough and a slow KDF (bcrypt, scrypt) would only slow every login. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function createAuthService({ tokens }: AuthDeps): AuthService {
  return {
    async authenticate(token) {
      if (token.length === 0 || token.length > 512) return null;
      const hash = hashToken(token);
      const record = await tokens.findByHash(hash);
      if (!record || record.revokedAt) return null;
      // The lookup is by an indexed hash (timing there leaks bits of a hash, not of the token). If the
      // store hands the stored hash back, compare it in constant time too, so a loose match in the
      // database (collation, trailing spaces) can never let a near-miss through.
      const stored = (record as { hash?: unknown }).hash;
      if (typeof stored === 'string' && !sameHash(hash, stored)) return null;
      const caller: Caller = { user: record.user, admin: record.admin };
      return caller;
    },
    async ensureAdminToken(token, user = 'admin') {
      await tokens.ensure(hashToken(token), user, true);
    },
  };
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
