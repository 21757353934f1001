// JobStore on MySQL/MariaDB. Statements are parameterised; the only inlined values are the page size
// and the probe cap, validated integers (mysql2 cannot bind LIMIT in prepared statements on MySQL >= 8.0.22).
import type { Pool } from 'mysql2/promise';
import type { JobStatus } from '../../protocol/index.js';
import { NameTakenError } from '../../core/errors.js';
import type { FinishedQuery, JobCountQuery, JobPatch, JobQuery, JobStore, Logger } from '../../core/ports.js';
import { createDb, type DbOptions, type SqlValue } from './db.js';
import { isDuplicateKey } from './errors.js';
import { newJobToColumns, patchToColumns, rowToActiveJob, rowToJob, toSqlDateTime, type ActiveJobRow, type JobRow } from './row-mapping.js';
import { jobTrigrams, probeCap, probeTrigrams, shortTermWindow } from './trigrams.js';

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

  /** How many jobs (up to probeCap) pass the filter, and how many hold each gram (past the cursor),
   * in one round trip: the lengths of the lists a search could walk. With no filter at all the
   * list is the whole table, taken as long without counting it. */
  const probe = async (grams: readonly string[], filter: Clauses) => {
    const cursor = filter.cursor !== undefined ? ' AND job_id < ?' : '';
    const selects = grams.map((_, k) => `SELECT ${k} AS k, COUNT(*) AS n FROM (SELECT 1 FROM job_search_trigrams WHERE trigram = ?${cursor} LIMIT ${probeCap}) p`);
    const values: SqlValue[] = grams.flatMap((g) => (filter.cursor !== undefined ? [g, filter.cursor] : [g]));
    if (filter.where.length > 0) {
      selects.push(`SELECT -1 AS k, COUNT(*) AS n FROM (SELECT 1 FROM jobs WHERE ${filter.where.join(' AND ')} LIMIT ${probeCap}) p`);
      values.push(...filter.values);
    }
    const rows = await db.rows<{ k: number | string; n: number | string }>(selects.join(' UNION ALL '), values);
    const gramLengths: number[] = [];
    let filterLength = probeCap;
    for (const row of rows) {
      if (Number(row.k) === -1) filterLength = Number(row.n);
      else gramLengths[Number(row.k)] = Number(row.n);
    }
    return { filterLength, gramLengths };
  };

  const getById = async (id: number) => {
    const rows = await db.rows<JobRow>('SELECT * FROM jobs WHERE id = ?', [id], true);
    return rows[0] ? rowToJob(rows[0]) : null;
  };

  /** Where the jobs matching a query are read from, newest first; null when none can match. */
  const plan = async (query: JobCountQuery & { beforeId?: number }): Promise<Source | null> => {
    const term = query.search ?? '';
    const filter = listFilter(query, '');
    const rows = (f: Clauses): Source => ({ hint: '', t: '', from: 'jobs', filter: f });
    if (term === '') return rows(filter);
    const like = likeTerm(term, '');
    const grams = probeTrigrams(term);
    if (grams.length === 0) {
      // 1-2 characters: no trigram to look up; LIKE over a bounded window of ids (trigrams.ts).
      const window = query.beforeId !== undefined ? 'id >= ? - ?' : 'id > (SELECT CAST(MAX(id) AS SIGNED) FROM jobs) - ?';
      const windowValues = query.beforeId !== undefined ? [query.beforeId, shortTermWindow] : [shortTermWindow];
      return rows(and(filter, like, { where: [window], values: windowValues }));
    }
    const { filterLength, gramLengths } = await probe(grams, filter);
    const ranked = grams.map((gram, k) => ({ gram, length: gramLengths[k] ?? 0 })).sort((a, b) => a.length - b.length);
    const rarest = ranked[0];
    if (!rarest || rarest.length === 0) return null;
    // When both are long (probeCap), the trigram's list: it holds only jobs with part of the term.
    if (filterLength < rarest.length) return rows(and(filter, like));
    // The rarest trigram's jobs newest first, then the row, checked with LIKE: STRAIGHT_JOIN keeps
    // this order on MySQL and MariaDB alike. Not also joined with the other trigrams: each join
    // is one more lookup per candidate, and measured at 100,000 jobs that cost more than the
    // row lookups it saved. The cursor bounds the driving range, so a deep page starts there.
    return {
      hint: 'STRAIGHT_JOIN ',
      t: 'j.',
      from: 'job_search_trigrams t FORCE INDEX (PRIMARY) JOIN jobs j ON j.id = t.job_id',
      filter: and(
        { where: ['t.trigram = ?'], values: [rarest.gram] },
        query.beforeId !== undefined ? { where: ['t.job_id < ?'], values: [query.beforeId] } : none,
        listFilter(query, 'j.'),
        likeTerm(term, 'j.'),
      ),
    };
  };

  return {
    async insert(job) {
      const columns = newJobToColumns(job);
      const names = Object.keys(columns);
      const grams = jobTrigrams(job);
      try {
        // The job and its search trigrams in one transaction: search never sees one without the other.
        return await db.transaction(async (tx) => {
          const result = await tx.write(
            `INSERT INTO jobs (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`,
            Object.values(columns),
            true,
          );
          const id = result.insertId;
          if (grams.length > 0) {
            // Two windows may be equal under the collation ('olá' and 'ola'): the key keeps one.
            await tx.write(
              `INSERT INTO job_search_trigrams (trigram, job_id) VALUES ${grams.map(() => '(?, ?)').join(', ')} ON DUPLICATE KEY UPDATE job_id = job_id`,
              grams.flatMap((g) => [g, id]),
            );
          }
          const rows = await tx.rows<JobRow>('SELECT * FROM jobs WHERE id = ?', [id], true);
          if (!rows[0]) throw new Error(`job ${id} vanished right after insert`);
          return rowToJob(rows[0]);
        });
      } catch (err) {
        // The name is the only unique key of jobs besides the id.
        if (isDuplicateKey(err)) throw new NameTakenError(job.name);
        throw err;
      }
    },

    get: (id) => getById(id),

    async list(query: JobQuery) {
      const limit = pageSize(query.limit);
      const source = await plan(query);
      if (source === null) return [];
      const sql = `SELECT ${source.hint}${source.t}* FROM ${source.from}${whereOf(source.filter)} ORDER BY ${source.t}id DESC LIMIT ${limit}`;
      return (await db.rows<JobRow>(sql, source.filter.values)).map(rowToJob);
    },

    async count(query: JobCountQuery, cap?: number) {
      // The same walk as list's first page, counted to its end (or one past the cap) instead of
      // stopped at a page.
      const source = await plan(query);
      if (source === null) return { total: 0, capped: false };
      const select = `SELECT ${source.hint}1 FROM ${source.from}${whereOf(source.filter)}`;
      if (cap !== undefined && (!Number.isInteger(cap) || cap < 1)) throw new RangeError(`count cap must be a positive integer, got ${cap}`);
      const sql = `SELECT COUNT(*) AS n FROM (${select}${cap === undefined ? '' : ` LIMIT ${cap + 1}`}) c`;
      const rows = await db.rows<{ n: number | string }>(sql, source.filter.values);
      const total = Number(rows[0]?.n ?? 0);
      return cap !== undefined && total > cap ? { total: cap, capped: true } : { total, capped: false };
    },

    async listActive() {
      const rows = await db.rows<JobRow>('SELECT * FROM jobs WHERE status IN (?, ?) ORDER BY id', [...activeStatuses]);
      return rows.map(rowToJob);
    },

    async listActiveBrief() {
      const rows = await db.rows<ActiveJobRow>('SELECT id, owner, status, container_id, cpus, memory_mb, created_at FROM jobs WHERE status IN (?, ?) ORDER BY id', [...activeStatuses]);
      return rows.map(rowToActiveJob);
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
      // No explicit transaction: a job's writes are serialised by the lifecycle's keyed queue, so the
      // row read back is the one this update produced, in two round trips instead of four (each
      // patch of a job's launch and end is on the path a drain of the queue waits on).
      const result = await db.write(
        `UPDATE jobs SET ${names.map((n) => `${n} = ?`).join(', ')} WHERE id = ?${statusFilter}`,
        [...Object.values(columns), id, ...filterValues],
        true,
      );
      // mysql2 connects with CLIENT_FOUND_ROWS: affectedRows counts matched rows, changed or not.
      if (result.affectedRows === 0) return null;
      return getById(id);
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

/** WHERE conditions joined by AND, with their values in order. */
interface Clauses {
  where: string[];
  values: SqlValue[];
  /** The cursor (id < cursor) among them, for lists other than jobs' own. */
  cursor?: number;
}

const none: Clauses = { where: [], values: [] };

/** A list's rows: a FROM clause, its filter, and how its columns are named ('j.' or ''). */
interface Source {
  hint: '' | 'STRAIGHT_JOIN ';
  t: '' | 'j.';
  from: string;
  filter: Clauses;
}

function whereOf(filter: Clauses): string {
  return filter.where.length ? ` WHERE ${filter.where.join(' AND ')}` : '';
}

function and(...parts: Clauses[]): Clauses {
  return { where: parts.flatMap((p) => p.where), values: parts.flatMap((p) => p.values) };
}

/** The caller's filter on jobs (owner, status, cursor); `t` prefixes the columns ('j.' or ''). */
function listFilter(query: JobCountQuery & { beforeId?: number }, t: string): Clauses {
  const where: string[] = [];
  const values: SqlValue[] = [];
  if (query.owner !== null) {
    where.push(`${t}owner = ?`);
    values.push(query.owner);
  }
  if (query.status !== undefined) {
    where.push(`${t}status = ?`);
    values.push(query.status);
  }
  if (query.beforeId !== undefined) {
    where.push(`${t}id < ?`);
    values.push(query.beforeId);
  }
  return { where, values, ...(query.beforeId !== undefined ? { cursor: query.beforeId } : {}) };
}

/** What "matches the search" means: the term within the name or the image, by the collation. */
function likeTerm(term: string, t: string): Clauses {
  const pattern = `%${escapeLike(term)}%`;
  return { where: [`(${t}name LIKE ? ESCAPE '!' OR ${t}image LIKE ? ESCAPE '!')`], values: [pattern, pattern] };
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
