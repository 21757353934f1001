// TokenStore on MySQL/MariaDB. Only SHA-256 hashes (64 hex characters) are ever stored or looked up.
import type { Pool } from 'mysql2/promise';
import type { Logger, TokenStore } from '../../core/ports.js';
import { createDb, type DbOptions } from './db.js';
import { rowToToken, type TokenRow } from './row-mapping.js';

export interface TokenStoreDeps {
  pool: Pool;
  logger?: Logger;
}

export type TokenStoreOptions = Omit<DbOptions, 'logger'>;

const columns = 'id, user_name, admin, created_at, revoked_at';

export function createTokenStore(deps: TokenStoreDeps, options: TokenStoreOptions = {}): TokenStore {
  const db = createDb(deps.pool, { ...options, logger: deps.logger });

  const byHash = async (hash: string) => {
    const rows = await db.rows<TokenRow>(`SELECT ${columns} FROM tokens WHERE token_hash = ?`, [checkHash(hash)], true);
    return rows[0] ? rowToToken(rows[0]) : null;
  };

  return {
    async findByHash(hash) {
      const token = await byHash(hash);
      return token && token.revokedAt === null ? token : null;
    },

    async ensure(hash, user, admin) {
      // An existing hash keeps its user, admin flag and revocation: ensuring never re-grants.
      await db.write(
        `INSERT INTO tokens (user_name, admin, token_hash, created_at) VALUES (?, ?, ?, UTC_TIMESTAMP(3))
         ON DUPLICATE KEY UPDATE id = id`,
        [user, admin ? 1 : 0, checkHash(hash)],
      );
      const token = await byHash(hash);
      if (!token) throw new Error('token vanished right after insert');
      return token;
    },

    async list() {
      const rows = await db.rows<TokenRow>(`SELECT ${columns} FROM tokens ORDER BY id`);
      return rows.map(rowToToken);
    },

    async revoke(id) {
      const result = await db.write('UPDATE tokens SET revoked_at = UTC_TIMESTAMP(3) WHERE id = ? AND revoked_at IS NULL', [id]);
      return result.affectedRows > 0;
    },
  };
}

// A wrong-shaped "hash" is a caller bug (a raw token passed by mistake would be stored in clear).
function checkHash(hash: string): string {
  if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error('token hash must be 64 lower-case hex characters (SHA-256)');
  return hash;
}
