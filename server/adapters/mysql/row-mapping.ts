// Rows <-> domain, the only place that knows column names and encodings. Pure.
//
// The two servers hand back different JS types for the same schema: MySQL 8 has a real JSON type
// (mysql2 parses it into objects), MariaDB's JSON is LONGTEXT (strings). DECIMAL arrives as a string,
// BIGINT as a number (or a string past 2^53), DATETIME as a string (the pool sets dateStrings) that
// holds UTC. Readers below accept every one of those shapes.
import { endpointsOf, jobStatuses, type Enforced, type Job, type JobStatus } from '../../protocol/index.js';
import type { ActiveJob, JobPatch, NewJob, TokenRecord } from '../../core/ports.js';

/** A `jobs` row as mysql2 returns it (shapes differ between MySQL 8 and MariaDB, see above). */
export interface JobRow {
  id: number | string | bigint;
  name: string;
  image: string;
  cmd: string | null;
  argv: unknown;
  cpus: string | number;
  memory_mb: number | string;
  io_weight: number | string;
  pids_limit: number | string;
  timeout_seconds: number | string;
  env: unknown;
  network: string;
  /** NULL on rows written before migration 003. */
  ports?: unknown;
  /** NULL on rows written before migration 005. */
  constraints?: unknown;
  status: string;
  reason: string | null;
  exit_code: number | string | null;
  owner: string;
  created_at: string | Date;
  started_at: string | Date | null;
  finished_at: string | Date | null;
  container_id: string | null;
  enforced: unknown;
  progress: string | null;
  ip?: string | null;
}

export interface TokenRow {
  id: number | string | bigint;
  user_name: string;
  admin: number | string | boolean;
  created_at: string | Date;
  revoked_at: string | Date | null;
}

/** Column values are what mysql2 sends as parameters: strings, numbers and null. */
export type Columns = Record<string, string | number | null>;

// Longest text kept in a column; longer values are cut rather than failing the write in strict mode.
export const columnLimits = { reason: 8000, progress: 255, containerId: 64 } as const;

// Docker's CPU resolution is 1e-9 (NanoCpus): DECIMAL(13,9) stores exactly what Docker is given.
const cpuDecimals = 9;

// ---------------------------------------------------------------- reading

export function rowToJob(row: JobRow): Job {
  const id = toInt(row.id, 'id');
  const ports = (readJson(row.ports, 'ports') as number[] | null) ?? [];
  return {
    id,
    name: row.name,
    image: row.image,
    cmd: row.cmd,
    argv: readJson(row.argv, 'argv') as string[] | null,
    cpus: toNumber(row.cpus, 'cpus'),
    memoryMb: toInt(row.memory_mb, 'memory_mb'),
    ioWeight: toInt(row.io_weight, 'io_weight'),
    pidsLimit: toInt(row.pids_limit, 'pids_limit'),
    timeoutSeconds: toInt(row.timeout_seconds, 'timeout_seconds'),
    env: (readJson(row.env, 'env') as Record<string, string> | null) ?? {},
    network: row.network === 'none' ? 'none' : 'bridge',
    ports,
    constraints: (readJson(row.constraints, 'constraints') as string[] | null) ?? [],
    status: toStatus(row.status),
    reason: row.reason,
    exitCode: row.exit_code === null ? null : toInt(row.exit_code, 'exit_code'),
    owner: row.owner,
    createdAt: fromSqlDateTime(row.created_at),
    startedAt: row.started_at === null ? null : fromSqlDateTime(row.started_at),
    finishedAt: row.finished_at === null ? null : fromSqlDateTime(row.finished_at),
    containerId: row.container_id,
    enforced: readJson(row.enforced, 'enforced') as Enforced | null,
    progress: row.progress,
    ip: row.ip ?? null,
    endpoints: endpointsOf(id, ports),
  };
}

export type ActiveJobRow = Pick<JobRow, 'id' | 'owner' | 'status' | 'container_id' | 'cpus' | 'memory_mb' | 'created_at'>;

export function rowToActiveJob(row: ActiveJobRow): ActiveJob {
  return {
    id: toInt(row.id, 'id'),
    owner: row.owner,
    status: toStatus(row.status),
    containerId: row.container_id,
    cpus: toNumber(row.cpus, 'cpus'),
    memoryMb: toInt(row.memory_mb, 'memory_mb'),
    createdAtMs: sqlDateTimeToMs(row.created_at),
  };
}

export function rowToToken(row: TokenRow): TokenRecord {
  return {
    id: toInt(row.id, 'id'),
    user: row.user_name,
    admin: row.admin === true || Number(row.admin) === 1,
    createdAt: new Date(fromSqlDateTime(row.created_at)),
    revokedAt: row.revoked_at === null ? null : new Date(fromSqlDateTime(row.revoked_at)),
  };
}

/** JSON columns: a string (MariaDB, or MySQL with jsonStrings), an already parsed value (MySQL 8),
 * or SQL NULL. */
export function readJson(value: unknown, column: string): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') {
    try {
      return JSON.parse(value);
    } catch {
      throw new Error(`column ${column} holds invalid JSON`);
    }
  }
  if (Buffer.isBuffer(value)) return readJson(value.toString('utf8'), column);
  return value;
}

/** 'YYYY-MM-DD HH:MM:SS[.fff]' read as UTC (or a Date, should a pool return Dates) -> ISO 8601. */
export function fromSqlDateTime(value: string | Date): string {
  return new Date(sqlDateTimeToMs(value)).toISOString();
}

export function sqlDateTimeToMs(value: string | Date): number {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new Error('invalid date in a DATETIME column');
    return value.getTime();
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(value);
  if (!m) throw new Error(`unexpected DATETIME value ${JSON.stringify(value)}`);
  const [, y, mo, d, h, mi, s, frac = ''] = m;
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
}

function toNumber(value: number | string | bigint, column: string): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) throw new Error(`column ${column} is not a number: ${String(value)}`);
  return n;
}

function toInt(value: number | string | bigint, column: string): number {
  const n = toNumber(value, column);
  if (!Number.isInteger(n)) throw new Error(`column ${column} is not an integer: ${String(value)}`);
  return n;
}

function toStatus(value: string): JobStatus {
  if ((jobStatuses as readonly string[]).includes(value)) return value as JobStatus;
  throw new Error(`unknown job status in the database: ${JSON.stringify(value)}`);
}

// ---------------------------------------------------------------- writing

/** A Date -> 'YYYY-MM-DD HH:MM:SS.mmm' in UTC, for DATETIME(3). */
export function toSqlDateTime(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new Error('invalid date');
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/** cpus as the exact DECIMAL(13,9) literal ("0.500000000"). */
export function toSqlCpus(cpus: number): string {
  return (Math.round(cpus * 10 ** cpuDecimals) / 10 ** cpuDecimals).toFixed(cpuDecimals);
}

export function newJobToColumns(job: NewJob): Columns {
  return {
    name: job.name,
    image: job.image,
    cmd: job.cmd ?? null,
    argv: job.argv === undefined ? null : JSON.stringify(job.argv),
    cpus: toSqlCpus(job.cpus),
    memory_mb: job.memoryMb,
    io_weight: job.ioWeight,
    pids_limit: job.pidsLimit,
    timeout_seconds: job.timeoutSeconds,
    env: JSON.stringify(job.env),
    network: job.network,
    ports: JSON.stringify(job.ports),
    constraints: JSON.stringify(job.constraints),
    status: 'pending',
    reason: null,
    exit_code: null,
    owner: job.owner,
    created_at: toSqlDateTime(job.createdAt),
    started_at: null,
    finished_at: null,
    container_id: null,
    enforced: null,
    progress: null,
    ip: null,
  };
}

/** Only the keys present in the patch; an explicit null clears the column. */
export function patchToColumns(patch: JobPatch): Columns {
  const columns: Columns = {};
  if (patch.status !== undefined) columns.status = patch.status;
  if (patch.reason !== undefined) columns.reason = cut(patch.reason, columnLimits.reason);
  if (patch.exitCode !== undefined) columns.exit_code = patch.exitCode;
  if (patch.containerId !== undefined) columns.container_id = cut(patch.containerId, columnLimits.containerId);
  if (patch.enforced !== undefined) columns.enforced = patch.enforced === null ? null : JSON.stringify(patch.enforced);
  if (patch.progress !== undefined) columns.progress = cut(patch.progress, columnLimits.progress);
  if (patch.startedAt !== undefined) columns.started_at = patch.startedAt === null ? null : toSqlDateTime(patch.startedAt);
  if (patch.ip !== undefined) columns.ip = patch.ip;
  if (patch.finishedAt !== undefined) columns.finished_at = patch.finishedAt === null ? null : toSqlDateTime(patch.finishedAt);
  return columns;
}

function cut(value: string | null, max: number): string | null {
  return value === null || value.length <= max ? value : value.slice(0, max);
}
