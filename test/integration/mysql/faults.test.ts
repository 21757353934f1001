// The database going away must make calls fail fast with DatabaseUnavailableError (5004), never hang,
// and the same pool must recover by itself when it comes back. The shared MariaDB is never touched:
// faults are caused in a TCP relay in front of it.
import type { Pool } from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseUnavailableError } from '../../../server/core/errors.js';
import { createJobStore, createMysqlPool, createTokenStore, parseMysqlUrl } from '../../../server/adapters/mysql/index.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { newJob, recordingLogger } from './fixtures.js';
import { startSilentServer, startTcpProxy, type TcpProxy } from './tcp-proxy.js';

let db: TestDatabase;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  db = await createTestDatabase({ migrate: true });
});

afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

afterAll(async () => {
  await db?.drop();
});

function pool(url: string, options?: Parameters<typeof createMysqlPool>[1]): Pool {
  const p = createMysqlPool(url, options);
  cleanups.push(() => p.end().catch(() => undefined));
  return p;
}

async function proxied(): Promise<{ proxy: TcpProxy; url: string }> {
  const { host, port } = parseMysqlUrl(db.url);
  const proxy = await startTcpProxy({ host, port });
  cleanups.push(() => proxy.close());
  const url = new URL(db.url);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  return { proxy, url: url.toString() };
}

async function timed(p: Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const start = performance.now();
  try {
    await p;
    return { ms: performance.now() - start, error: null };
  } catch (error) {
    return { ms: performance.now() - start, error };
  }
}

function expectUnavailable(error: unknown): void {
  expect(error).toBeInstanceOf(DatabaseUnavailableError);
  expect((error as DatabaseUnavailableError).code).toBe(5004);
  expect((error as Error).message).toBe('Database is unreachable');
  expect((error as Error).cause).toBeDefined();
}

describe('database unreachable', () => {
  it('a closed port fails every store call with 5004 at once (defaults)', async () => {
    const dead = pool('mysql://cjm:cjm@127.0.0.1:1/cjm');
    const jobs = createJobStore({ pool: dead, logger: recordingLogger().logger });
    const tokens = createTokenStore({ pool: dead });
    const calls: Promise<unknown>[] = [
      jobs.get(1),
      jobs.list({ owner: null, limit: 50 }),
      jobs.insert(newJob()),
      jobs.update(1, { status: 'running' }, ['pending']),
      jobs.delete(1),
      jobs.usage('a'),
      jobs.listActive(),
      tokens.findByHash('0'.repeat(64)),
      ...Array.from({ length: 50 }, () => jobs.get(2)),
    ];
    const results = await Promise.all(calls.map((c) => timed(c)));
    for (const r of results) {
      expectUnavailable(r.error);
      expect(r.ms).toBeLessThan(3000);
    }
    expect(((results[0]?.error as Error).cause as { code?: string }).code).toBe('ECONNREFUSED');
  });

  it('a host that accepts but never answers fails within the 3 s connect timeout', async () => {
    const silent = await startSilentServer();
    cleanups.push(() => silent.close());
    const jobs = createJobStore({ pool: pool(`mysql://cjm:cjm@127.0.0.1:${silent.port}/cjm`), logger: recordingLogger().logger });
    const r = await timed(jobs.get(1));
    expectUnavailable(r.error);
    expect(r.ms).toBeGreaterThan(2500);
    expect(r.ms).toBeLessThan(4000);
  });

  it('recovers by itself when the database comes back, logging once per outage', async () => {
    const { proxy, url } = await proxied();
    const { logger, lines } = recordingLogger();
    const jobs = createJobStore({ pool: pool(url), logger });
    const job = await jobs.insert(newJob());
    await Promise.all(Array.from({ length: 5 }, () => jobs.get(job.id))); // several pooled connections

    await proxy.down();
    for (let i = 0; i < 5; i++) {
      const r = await timed(jobs.get(job.id));
      expectUnavailable(r.error);
      expect(r.ms).toBeLessThan(1000);
    }
    expect(lines.filter((l) => l.msg === 'database unavailable')).toHaveLength(1);

    await proxy.up();
    expect((await jobs.get(job.id))?.id).toBe(job.id);
    await Promise.all(Array.from({ length: 10 }, () => jobs.get(job.id)));
    expect(lines.filter((l) => l.msg === 'database reachable again')).toHaveLength(1);
  });

  it('a frozen database fails calls after the statement timeout, and the pool heals on thaw', async () => {
    const { proxy, url } = await proxied();
    const jobs = createJobStore(
      { pool: pool(url, { connectTimeoutMs: 500, connectionLimit: 4 }), logger: recordingLogger().logger },
      { queryTimeoutMs: 500, acquireTimeoutMs: 1000 },
    );
    const job = await jobs.insert(newJob());
    await Promise.all(Array.from({ length: 4 }, () => jobs.get(job.id)));

    proxy.freeze();
    const results = await Promise.all(Array.from({ length: 20 }, () => timed(jobs.get(job.id))));
    for (const r of results) {
      expectUnavailable(r.error);
      expect(r.ms).toBeLessThan(2000);
    }

    proxy.thaw();
    expect((await jobs.get(job.id))?.id).toBe(job.id);
    const after = await Promise.all(Array.from({ length: 8 }, () => timed(jobs.get(job.id))));
    for (const r of after) expect(r.error).toBeNull();
  });

  it('bounds hidden commands too: a PREPARE or a transaction on a frozen database', async () => {
    const { proxy, url } = await proxied();
    const jobs = createJobStore(
      { pool: pool(url, { connectionLimit: 2 }), logger: recordingLogger().logger },
      { queryTimeoutMs: 500, acquireTimeoutMs: 1000 },
    );
    // Warm connections with text-protocol calls only: get() and update() still need a PREPARE.
    await Promise.all([jobs.usage('x'), jobs.usage('y')]);
    proxy.freeze();
    const results = await Promise.all([timed(jobs.get(1)), timed(jobs.update(1, { status: 'running' }, ['pending']))]);
    for (const r of results) {
      expectUnavailable(r.error);
      expect(r.ms).toBeLessThan(1500);
    }
    proxy.thaw();
    expect((await timed(jobs.get(1))).error).toBeNull();
  });

  it('sheds callers past the queue limit at once instead of queueing them', async () => {
    const { proxy, url } = await proxied();
    const jobs = createJobStore(
      { pool: pool(url, { connectionLimit: 1, queueLimit: 1 }), logger: recordingLogger().logger },
      { queryTimeoutMs: 1000, acquireTimeoutMs: 2000 },
    );
    await jobs.get(1);
    proxy.freeze();
    const busy = timed(jobs.get(1)); // holds the one connection
    const queued = timed(jobs.get(1)); // waits in the queue
    await new Promise((r) => setTimeout(r, 50));
    const shed = await timed(jobs.get(1));
    expectUnavailable(shed.error);
    expect(((shed.error as Error).cause as Error).message).toBe('Queue limit reached.');
    expect(shed.ms).toBeLessThan(100);
    expectUnavailable((await busy).error);
    proxy.thaw();
    // The queued caller got a fresh connection once the stuck one was destroyed.
    expect((await queued).error).toBeNull();
  });
});
