// JobStore on MySQL/MariaDB. Statements are parameterised; the only inlined value is the page size,
// a validated integer (mysql2 cannot bind LIMIT in prepared statements on MySQL >= 8.0.22).
import type { Pool } from 'mysql2/promise';
import type { JobStatus } from '../../protocol/index.js';
import { NameTakenError } from '../../core/errors.js';
import type { FinishedQuery, JobPatch, JobQuery, JobStore, Logger } from '../../core/ports.js';
import { createDb, type DbOptions, type SqlValue } from './db.js';
import { isDuplicateKey } from './errors.js';
import { newJobToColumns, patchToColumns, rowToJob, toSqlDateTime, type JobRow } from './row-mapping.js';

export interface JobStoreDeps {
  pool: Pool;
  logger: Logger;
}

export type JobStoreOptions = Omit<DbOptions, 'logger'>;

/** Largest page a caller may ask for; the protocol allows 500. */
export const maxListLimit = 1000;

const activeStatuses: readonly JobStatus[] = ['pending', 'running'];

export function createJobStore(deps: JobStoreDeps, options: JobStoreOptions = {}): JobStore {
  const db = createDb(deps.pool, { ...options, logger: deps.logger });

  const getById = async (id: number) => {
    const rows = await db.rows<JobRow>('SELECT * FROM jobs WHERE id = ?', [id], true);
    return rows[0] ? rowToJob(rows[0]) : null;
  };

  return {
    async insert(job) {
      const columns = newJobToColumns(job);
      const names = Object.keys(columns);
      let id: number;
      try {
        const result = await db.write(
          `INSERT INTO jobs (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`,
          Object.values(columns),
          true,
        );
        id = result.insertId;
      } catch (err) {
        // The name is the only unique key besides the id.
        if (isDuplicateKey(err)) throw new NameTakenError(job.name);
        throw err;
      }
      const stored = await getById(id);
      if (!stored) throw new Error(`job ${id} vanished right after insert`);
      return stored;
    },

    get: (id) => getById(id),

    async list(query: JobQuery) {
      const where: string[] = [];
      const values: SqlValue[] = [];
      if (query.owner !== null) {
        where.push('owner = ?');
        values.push(query.owner);
      }
      if (query.status !== undefined) {
        where.push('status = ?');
        values.push(query.status);
      }
      if (query.beforeId !== undefined) {
        where.push('id < ?');
        values.push(query.beforeId);
      }
      if (query.search !== undefined && query.search !== '') {
        const pattern = `%${escapeLike(query.search)}%`;
        where.push("(name LIKE ? ESCAPE '!' OR image LIKE ? ESCAPE '!')");
        values.push(pattern, pattern);
      }
      const limit = pageSize(query.limit);
      const sql = `SELECT * FROM jobs${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${limit}`;
      const rows = await db.rows<JobRow>(sql, values);
      return rows.map(rowToJob);
    },

    async listActive() {
      const rows = await db.rows<JobRow>('SELECT * FROM jobs WHERE status IN (?, ?) ORDER BY id', [...activeStatuses]);
      return rows.map(rowToJob);
    },

    async update(id: number, patch: JobPatch, whenStatus?: readonly JobStatus[]) {
      if (whenStatus !== undefined && whenStatus.length === 0) return null;
      const columns = patchToColumns(patch);
      const names = Object.keys(columns);
      const statusFilter = whenStatus ? ` AND status IN (${whenStatus.map(() => '?').join(', ')})` : '';
      const filterValues: SqlValue[] = whenStatus ? [...whenStatus] : [];
      if (names.length === 0) {
        // Nothing to change: answer as if it were applied, under the same condition.
        const rows = await db.rows<JobRow>(`SELECT * FROM jobs WHERE id = ?${statusFilter}`, [id, ...filterValues]);
        return rows[0] ? rowToJob(rows[0]) : null;
      }
      // One transaction: the row lock taken by UPDATE is held until the SELECT has read the row,
      // so the job returned is exactly the one this update produced (events go out in order).
      return db.transaction(async (tx) => {
        const result = await tx.write(
          `UPDATE jobs SET ${names.map((n) => `${n} = ?`).join(', ')} WHERE id = ?${statusFilter}`,
          [...Object.values(columns), id, ...filterValues],
          true,
        );
        // mysql2 connects with CLIENT_FOUND_ROWS: affectedRows counts matched rows, changed or not.
        if (result.affectedRows === 0) return null;
        const rows = await tx.rows<JobRow>('SELECT * FROM jobs WHERE id = ?', [id], true);
        return rows[0] ? rowToJob(rows[0]) : null;
      });
    },

    async delete(id) {
      const result = await db.write('DELETE FROM jobs WHERE id = ?', [id], true);
      return result.affectedRows > 0;
    },

    async takenNames(names) {
      if (names.length === 0) return [];
      const rows = await db.rows<{ name: string }>(`SELECT name FROM jobs WHERE name IN (${names.map(() => '?').join(', ')})`, [...names]);
      return rows.map((r) => r.name);
    },

    async listFinished(query: FinishedQuery) {
      if (query.statuses.length === 0) return [];
      const where = [`status IN (${query.statuses.map(() => '?').join(', ')})`];
      const values: SqlValue[] = [...query.statuses];
      if (query.owner !== null) {
        where.push('owner = ?');
        values.push(query.owner);
      }
      if (query.finishedBefore !== undefined) {
        where.push('finished_at < ?');
        values.push(toSqlDateTime(query.finishedBefore));
      }
      if (query.beforeId !== undefined) {
        where.push('id < ?');
        values.push(query.beforeId);
      }
      const rows = await db.rows<JobRow>(`SELECT * FROM jobs WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ${pageSize(query.limit)}`, values);
      return rows.map(rowToJob);
    },

    async usage(owner) {
      const rows = await db.rows<{ jobs: number | string; cpus: string | number | null; memory_mb: string | number | null }>(
        'SELECT COUNT(*) AS jobs, SUM(cpus) AS cpus, SUM(memory_mb) AS memory_mb FROM jobs WHERE owner = ? AND status IN (?, ?)',
        [owner, ...activeStatuses],
      );
      const row = rows[0];
      return {
        jobs: Number(row?.jobs ?? 0),
        cpus: Number(row?.cpus ?? 0),
        memoryMb: Number(row?.memory_mb ?? 0),
      };
    },
  };
}

/** LIKE treats % and _ as wildcards; '!' is the escape character (set with ESCAPE '!' above, which
 * unlike backslash means the same under every sql_mode). */
export function escapeLike(text: string): string {
  return text.replace(/[!%_]/g, '!$&');
}

function pageSize(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`list limit must be a positive integer, got ${limit}`);
  return Math.min(limit, maxListLimit);
}
