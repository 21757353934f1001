// Tokens: generated here, stored only as hashes (TokenStore), checked on every connection.
import { createHash, randomBytes } from 'node:crypto';
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
      // Found by an exact, indexed match on the hash (an ascii_bin column): no loose match, and the
      // lookup's timing can tell at most something about a hash, from which no token follows.
      if (!record || record.revokedAt) return null;
      const caller: Caller = { user: record.user, admin: record.admin };
      return caller;
    },
    async ensureAdminToken(token, user = 'admin') {
      await tokens.ensure(hashToken(token), user, true);
    },
  };
}
