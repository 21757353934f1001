import { describe, expect, it } from 'vitest';
import type { NewJob } from '../../../server/core/ports.js';
import {
  columnLimits,
  fromSqlDateTime,
  newJobToColumns,
  patchToColumns,
  readJson,
  rowToActiveJob,
  rowToJob,
  rowToToken,
  toSqlCpus,
  toSqlDateTime,
  type JobRow,
} from '../../../server/adapters/mysql/row-mapping.js';

// What MariaDB returns through mysql2 (JSON as strings, DECIMAL as string, DATETIME as string).
const mariadbRow: JobRow = {
  id: 7,
  name: 'hello',
  image: 'busybox:latest',
  cmd: 'echo hi',
  argv: null,
  cpus: '0.500000000',
  memory_mb: 128,
  io_weight: 500,
  pids_limit: 512,
  timeout_seconds: 0,
  env: '{"A":"1","B":"two"}',
  network: 'bridge',
  status: 'running',
  reason: null,
  exit_code: null,
  owner: 'alice',
  created_at: '2024-03-01 12:34:56.789',
  started_at: '2024-03-01 12:34:57.000',
  finished_at: null,
  container_id: 'abc123',
  enforced: '{"cpus":true,"memory":true,"ioWeight":false,"pids":true,"note":"no blkio.weight"}',
  progress: null,
  ports: '[8000,8001]',
  constraints: '["node.labels.gpu==yes"]',
  ip: '172.17.0.5',
};

describe('rowToJob', () => {
  it('maps a MariaDB row (JSON and DECIMAL as strings)', () => {
    expect(rowToJob(mariadbRow)).toEqual({
      id: 7,
      name: 'hello',
      image: 'busybox:latest',
      cmd: 'echo hi',
      argv: null,
      cpus: 0.5,
      memoryMb: 128,
      ioWeight: 500,
      pidsLimit: 512,
      timeoutSeconds: 0,
      env: { A: '1', B: 'two' },
      network: 'bridge',
      ports: [8000, 8001],
      constraints: ['node.labels.gpu==yes'],
      status: 'running',
      reason: null,
      exitCode: null,
      owner: 'alice',
      createdAt: '2024-03-01T12:34:56.789Z',
      startedAt: '2024-03-01T12:34:57.000Z',
      finishedAt: null,
      containerId: 'abc123',
      enforced: { cpus: true, memory: true, ioWeight: false, pids: true, note: 'no blkio.weight' },
      progress: null,
      ip: '172.17.0.5',
      endpoints: [
        { port: 8000, path: '/jobs/7/ports/8000/' },
        { port: 8001, path: '/jobs/7/ports/8001/' },
      ],
    });
  });

  it('reads a row from before migration 003 (no ports, no ip) as a job with no ports', () => {
    const { ports: _ports, ip: _ip, ...old } = mariadbRow;
    expect(rowToJob(old)).toMatchObject({ ports: [], ip: null, endpoints: [] });
    expect(rowToJob({ ...mariadbRow, ports: null, ip: null })).toMatchObject({ ports: [], ip: null, endpoints: [] });
    const { constraints: _constraints, ...before005 } = mariadbRow;
    expect(rowToJob(before005).constraints).toEqual([]);
  });

  it('maps a MySQL 8 row (JSON already parsed, numbers as numbers, BIGINT as string) the same way', () => {
    const mysqlRow: JobRow = {
      ...mariadbRow,
      id: '7',
      cpus: 0.5,
      env: { A: '1', B: 'two' },
      enforced: { cpus: true, memory: true, ioWeight: false, pids: true, note: 'no blkio.weight' },
      argv: null,
      ports: [8000, 8001],
    };
    expect(rowToJob(mysqlRow)).toEqual(rowToJob(mariadbRow));
  });

  it('reads argv both ways and a NULL env as {}', () => {
    expect(rowToJob({ ...mariadbRow, cmd: null, argv: '["sh","-c","x"]' }).argv).toEqual(['sh', '-c', 'x']);
    expect(rowToJob({ ...mariadbRow, cmd: null, argv: ['sh', '-c', 'x'] }).argv).toEqual(['sh', '-c', 'x']);
    expect(rowToJob({ ...mariadbRow, env: null }).env).toEqual({});
  });

  it('keeps exit codes, reasons and finished times of a finished job', () => {
    const job = rowToJob({ ...mariadbRow, status: 'exited', reason: 'oom_killed', exit_code: 137, finished_at: '2024-03-01 12:35:00.5' });
    expect(job).toMatchObject({ status: 'exited', reason: 'oom_killed', exitCode: 137, finishedAt: '2024-03-01T12:35:00.500Z' });
  });

  it('rejects data it cannot trust', () => {
    expect(() => rowToJob({ ...mariadbRow, status: 'weird' })).toThrow(/unknown job status/);
    expect(() => rowToJob({ ...mariadbRow, env: '{nope' })).toThrow(/env holds invalid JSON/);
    expect(() => rowToJob({ ...mariadbRow, memory_mb: 'x' })).toThrow(/memory_mb/);
  });
});

describe('dates', () => {
  it('reads DATETIME strings as UTC whatever the process time zone', () => {
    expect(fromSqlDateTime('2024-12-31 23:59:59.999')).toBe('2024-12-31T23:59:59.999Z');
    expect(fromSqlDateTime('2024-01-01 00:00:00')).toBe('2024-01-01T00:00:00.000Z');
    expect(fromSqlDateTime('2024-01-01 00:00:00.123456')).toBe('2024-01-01T00:00:00.123Z');
    expect(fromSqlDateTime(new Date('2024-01-01T05:00:00.000Z'))).toBe('2024-01-01T05:00:00.000Z');
    expect(() => fromSqlDateTime('yesterday')).toThrow();
  });

  it('gives an admission row its creation time in ms, the same instant as the job’s createdAt', () => {
    const brief = rowToActiveJob({ id: 7, owner: 'alice', status: 'pending', container_id: null, cpus: '0.50', memory_mb: 64, created_at: '2024-12-31 23:59:59.999' });
    expect(brief).toEqual({ id: 7, owner: 'alice', status: 'pending', containerId: null, cpus: 0.5, memoryMb: 64, createdAtMs: Date.parse('2024-12-31T23:59:59.999Z') });
    expect(() => rowToActiveJob({ id: 7, owner: 'alice', status: 'pending', container_id: null, cpus: '0.50', memory_mb: 64, created_at: 'soon' })).toThrow(/DATETIME/);
  });

  it('writes a Date as a UTC DATETIME(3) literal and reads it back unchanged', () => {
    const d = new Date('2024-07-04T01:02:03.004Z');
    expect(toSqlDateTime(d)).toBe('2024-07-04 01:02:03.004');
    expect(fromSqlDateTime(toSqlDateTime(d))).toBe(d.toISOString());
    expect(() => toSqlDateTime(new Date(NaN))).toThrow();
  });
});

describe('writing', () => {
  const newJob: NewJob = {
    name: 'web',
    image: 'busybox',
    cmd: undefined,
    argv: ['httpd', '-f'],
    cpus: 0.1 + 0.2,
    memoryMb: 64,
    ioWeight: 500,
    pidsLimit: 512,
    timeoutSeconds: 0,
    env: { PORT: '8000' },
    network: 'bridge',
    ports: [8000],
    constraints: [],
    owner: 'bob',
    createdAt: new Date('2024-01-02T03:04:05.006Z'),
  };

  it('maps a new job to columns: pending, JSON as text, exact cpus', () => {
    expect(newJobToColumns(newJob)).toEqual({
      name: 'web',
      image: 'busybox',
      cmd: null,
      argv: '["httpd","-f"]',
      cpus: '0.300000000',
      memory_mb: 64,
      io_weight: 500,
      pids_limit: 512,
      timeout_seconds: 0,
      env: '{"PORT":"8000"}',
      network: 'bridge',
      ports: '[8000]',
      constraints: '[]',
      status: 'pending',
      reason: null,
      exit_code: null,
      owner: 'bob',
      created_at: '2024-01-02 03:04:05.006',
      started_at: null,
      finished_at: null,
      container_id: null,
      enforced: null,
      progress: null,
      ip: null,
    });
  });

  it('keeps cpus at Docker resolution (1e-9)', () => {
    expect(toSqlCpus(0.5)).toBe('0.500000000');
    expect(toSqlCpus(1024)).toBe('1024.000000000');
    expect(toSqlCpus(1 / 3)).toBe('0.333333333');
    expect(toSqlCpus(0.01)).toBe('0.010000000');
  });

  it('maps only the keys a patch has; null clears', () => {
    expect(patchToColumns({})).toEqual({});
    expect(patchToColumns({ status: 'running', startedAt: new Date('2024-01-01T00:00:01Z'), progress: null })).toEqual({
      status: 'running',
      started_at: '2024-01-01 00:00:01.000',
      progress: null,
    });
    expect(
      patchToColumns({
        status: 'exited',
        reason: 'completed',
        exitCode: 0,
        finishedAt: null,
        containerId: 'c1',
        enforced: { cpus: true, memory: true, ioWeight: false, pids: true },
      }),
    ).toEqual({
      status: 'exited',
      reason: 'completed',
      exit_code: 0,
      finished_at: null,
      container_id: 'c1',
      enforced: '{"cpus":true,"memory":true,"ioWeight":false,"pids":true}',
    });
    expect(patchToColumns({ ip: '172.17.0.9' })).toEqual({ ip: '172.17.0.9' });
    expect(patchToColumns({ status: 'exited', ip: null })).toEqual({ status: 'exited', ip: null });
  });

  it('cuts over-long text instead of failing the write', () => {
    const columns = patchToColumns({ reason: 'x'.repeat(20_000), progress: 'p'.repeat(1000) });
    expect(columns.reason).toHaveLength(columnLimits.reason);
    expect(columns.progress).toHaveLength(columnLimits.progress);
  });
});

describe('readJson and tokens', () => {
  it('accepts strings, buffers, parsed values and NULL', () => {
    expect(readJson('{"a":1}', 'c')).toEqual({ a: 1 });
    expect(readJson(Buffer.from('[1]'), 'c')).toEqual([1]);
    expect(readJson({ a: 1 }, 'c')).toEqual({ a: 1 });
    expect(readJson(null, 'c')).toBeNull();
  });

  it('maps token rows (admin as 0/1 or boolean)', () => {
    const row = { id: 3, user_name: 'ann', admin: 1, created_at: '2024-01-01 00:00:00.000', revoked_at: null };
    expect(rowToToken(row)).toEqual({ id: 3, user: 'ann', admin: true, createdAt: new Date('2024-01-01T00:00:00Z'), revokedAt: null });
    expect(rowToToken({ ...row, admin: 0, revoked_at: '2024-01-02 00:00:00.000' })).toMatchObject({
      admin: false,
      revokedAt: new Date('2024-01-02T00:00:00Z'),
    });
    expect(rowToToken({ ...row, admin: '1' }).admin).toBe(true);
  });
});
