// JobStore against the real MariaDB: every method, the name race, pagination, search, conditional
// updates.
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NameTakenError } from '../../../server/core/errors.js';
import type { JobStore } from '../../../server/core/ports.js';
import type { Job } from '../../../server/protocol/index.js';
import { createJobStore, createMysqlPool } from '../../../server/adapters/mysql/index.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { newJob, recordingLogger } from './fixtures.js';

let db: TestDatabase;
let pool: Pool;
let store: JobStore;

beforeAll(async () => {
  db = await createTestDatabase({ migrate: true });
  pool = createMysqlPool(db.url);
  store = createJobStore({ pool, logger: recordingLogger().logger });
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

beforeEach(async () => {
  await pool.query('DELETE FROM jobs');
});

async function pageThrough(owner: string | null, limit: number, extra: { status?: Job['status']; search?: string } = {}) {
  const pages: Job[][] = [];
  let beforeId: number | undefined;
  for (;;) {
    const page = await store.list({ owner, limit, beforeId, ...extra });
    pages.push(page);
    if (page.length < limit) return pages;
    beforeId = page[page.length - 1]?.id;
  }
}

describe('insert and get', () => {
  it('stores every field and returns the stored job', async () => {
    const createdAt = new Date('2024-05-06T07:08:09.123Z');
    const spec = newJob({ name: 'full', cmd: undefined, argv: ['sh', '-c', 'echo "a;b" $HOME'], cpus: 1 / 3, memoryMb: 4096, ioWeight: 10, pidsLimit: 32768, timeoutSeconds: 2_592_000, env: { GREETING: 'olá 🌍', EMPTY: '' }, network: 'none', owner: 'bob', createdAt });
    const job = await store.insert(spec);
    expect(job).toEqual({
      id: expect.any(Number),
      name: 'full',
      image: 'busybox:latest',
      cmd: null,
      argv: ['sh', '-c', 'echo "a;b" $HOME'],
      cpus: 0.333333333,
      memoryMb: 4096,
      ioWeight: 10,
      pidsLimit: 32768,
      timeoutSeconds: 2_592_000,
      env: { GREETING: 'olá 🌍', EMPTY: '' },
      network: 'none',
      ports: [],
      constraints: [],
      status: 'pending',
      reason: null,
      exitCode: null,
      owner: 'bob',
      createdAt: '2024-05-06T07:08:09.123Z',
      startedAt: null,
      finishedAt: null,
      containerId: null,
      enforced: null,
      progress: null,
      ip: null,
      endpoints: [],
    });
    expect(await store.get(job.id)).toEqual(job);
    expect(await store.get(job.id + 1000)).toBeNull();
  });

  it('stores ports, and the address while running', async () => {
    const job = await store.insert(newJob({ name: 'web-ports', ports: [8000, 65535] }));
    expect(job).toMatchObject({ ports: [8000, 65535], ip: null, endpoints: [{ port: 8000, path: `/jobs/${job.id}/ports/8000/` }, { port: 65535, path: `/jobs/${job.id}/ports/65535/` }] });
    expect(await store.update(job.id, { status: 'running', ip: '172.17.0.12' })).toMatchObject({ ip: '172.17.0.12' });
    expect(await store.update(job.id, { status: 'exited', ip: null })).toMatchObject({ ip: null, ports: [8000, 65535] });
  });

  it('refuses a taken name, also in another case', async () => {
    await store.insert(newJob({ name: 'web' }));
    await expect(store.insert(newJob({ name: 'web' }))).rejects.toBeInstanceOf(NameTakenError);
    await expect(store.insert(newJob({ name: 'WEB', owner: 'someone-else' }))).rejects.toMatchObject({ code: 4009 });
  });

  it('lets exactly one of 20 concurrent inserts of one name win', async () => {
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => store.insert(newJob({ name: 'race', owner: `u${i}` }))));
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(19);
    for (const r of lost) expect(r.reason).toBeInstanceOf(NameTakenError);
    const [rows] = await pool.query<RowDataPacket[]>("SELECT COUNT(*) AS c FROM jobs WHERE name = 'race'");
    expect(rows[0]?.c).toBe(1);
  });
});

describe('list', () => {
  it('pages 120 jobs newest first, 50 at a time, with no duplicate and no gap', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 120; i++) ids.push((await store.insert(newJob({ owner: i % 3 === 0 ? 'bob' : 'alice' }))).id);
    const pages = await pageThrough(null, 50);
    expect(pages.map((p) => p.length)).toEqual([50, 50, 20]);
    expect(pages.flat().map((j) => j.id)).toEqual([...ids].reverse());

    const bobs = (await pageThrough('bob', 7)).flat();
    expect(bobs.map((j) => j.id)).toEqual(ids.filter((_, i) => i % 3 === 0).reverse());
    expect(bobs.every((j) => j.owner === 'bob')).toBe(true);
  });

  it('filters by status and owner together', async () => {
    const a = await store.insert(newJob({ owner: 'alice' }));
    const b = await store.insert(newJob({ owner: 'alice' }));
    await store.insert(newJob({ owner: 'bob' }));
    await store.update(a.id, { status: 'running' });
    expect((await store.list({ owner: 'alice', status: 'running', limit: 50 })).map((j) => j.id)).toEqual([a.id]);
    expect((await store.list({ owner: 'alice', status: 'pending', limit: 50 })).map((j) => j.id)).toEqual([b.id]);
    expect(await store.list({ owner: 'bob', status: 'running', limit: 50 })).toEqual([]);
    expect(await store.list({ owner: null, status: 'pending', limit: 50 })).toHaveLength(2);
  });

  it('searches name or image by substring, treating % and _ literally, case-insensitively', async () => {
    const pct = await store.insert(newJob({ name: 'sale-50%-off' }));
    const under = await store.insert(newJob({ name: 'my_job' }));
    const plain = await store.insert(newJob({ name: 'myXjob' }));
    const img = await store.insert(newJob({ name: 'imgjob', image: '127.0.0.1:5001/team/python:3.12' }));
    const bang = await store.insert(newJob({ name: 'wow!' }));
    const names = async (search: string) => (await store.list({ owner: null, search, limit: 50 })).map((j) => j.id).sort((x, y) => x - y);

    expect(await names('%')).toEqual([pct.id]);
    expect(await names('_')).toEqual([under.id]);
    expect(await names('my_')).toEqual([under.id]);
    expect(await names('MYXJ')).toEqual([plain.id]);
    expect(await names('python:3.1')).toEqual([img.id]);
    expect(await names('!')).toEqual([bang.id]);
    expect(await names("'; DROP TABLE jobs; --")).toEqual([]);
    expect(await names('')).toHaveLength(5);
    // With a cursor and an owner too.
    expect((await store.list({ owner: 'alice', search: 'job', limit: 1, beforeId: img.id })).map((j) => j.id)).toEqual([plain.id]);
  });

  it('searches unicode names, telling emoji apart', async () => {
    const rocket = await store.insert(newJob({ name: 'launch-🚀' }));
    const heli = await store.insert(newJob({ name: 'launch-🚁' }));
    const cafe = await store.insert(newJob({ name: 'café-日本語' }));
    const ids = async (search: string) => (await store.list({ owner: null, search, limit: 50 })).map((j) => j.id);
    expect(await ids('🚀')).toEqual([rocket.id]);
    expect(await ids('🚁')).toEqual([heli.id]);
    expect(await ids('日本')).toEqual([cafe.id]);
    expect(await ids('CAFÉ')).toEqual([cafe.id]);
    expect((await store.get(rocket.id))?.name).toBe('launch-🚀');
  });

  it('rejects a page size that is not a positive integer', async () => {
    await expect(store.list({ owner: null, limit: 0 })).rejects.toThrow(RangeError);
    await expect(store.list({ owner: null, limit: 1.5 })).rejects.toThrow(RangeError);
  });
});

describe('update', () => {
  it('applies a patch and returns the job after it', async () => {
    const job = await store.insert(newJob());
    const startedAt = new Date('2024-01-01T00:00:01.250Z');
    const running = await store.update(job.id, { status: 'running', containerId: 'c'.repeat(64), startedAt, progress: null, enforced: { cpus: true, memory: true, ioWeight: false, pids: true, note: 'blkio.weight is not offered by this kernel' } }, ['pending']);
    expect(running).toMatchObject({ id: job.id, status: 'running', containerId: 'c'.repeat(64), startedAt: '2024-01-01T00:00:01.250Z', enforced: { ioWeight: false, note: 'blkio.weight is not offered by this kernel' } });
    expect(await store.get(job.id)).toEqual(running);
  });

  it('does nothing and returns null when the status moved on', async () => {
    const job = await store.insert(newJob());
    await store.update(job.id, { status: 'exited', reason: 'stopped', exitCode: 143, finishedAt: new Date() });
    expect(await store.update(job.id, { status: 'running' }, ['pending'])).toBeNull();
    expect(await store.update(job.id, {}, ['pending', 'running'])).toBeNull();
    expect((await store.get(job.id))?.status).toBe('exited');
  });

  it('returns the job for a patch that changes nothing, and null for a missing job', async () => {
    const job = await store.insert(newJob());
    expect(await store.update(job.id, { status: 'pending' }, ['pending'])).toEqual(job);
    expect(await store.update(job.id, {})).toEqual(job);
    expect(await store.update(job.id + 999, { status: 'running' })).toBeNull();
    expect(await store.update(job.id, { status: 'running' }, [])).toBeNull();
  });

  it('lets exactly one of many concurrent final transitions win', async () => {
    const job = await store.insert(newJob());
    await store.update(job.id, { status: 'running' });
    const reasons = ['completed', 'failed', 'oom_killed', 'timed_out', 'stopped', 'lost'] as const;
    const results = await Promise.all(
      [...reasons, ...reasons].map((reason) => store.update(job.id, { status: 'exited', reason, finishedAt: new Date() }, ['running', 'pending'])),
    );
    const winners = results.filter((r): r is Job => r !== null);
    expect(winners).toHaveLength(1);
    expect((await store.get(job.id))?.reason).toBe(winners[0]?.reason);
  });

  it('clears columns with null and keeps long reasons (cut)', async () => {
    const job = await store.insert(newJob());
    await store.update(job.id, { progress: 'pulling image 45%' });
    const after = await store.update(job.id, { progress: null, status: 'error', reason: `image nope: ${'x'.repeat(20_000)}` });
    expect(after?.progress).toBeNull();
    expect(after?.reason?.length).toBe(8000);
  });
});

describe('delete, listActive, usage', () => {
  it('deletes once', async () => {
    const job = await store.insert(newJob());
    expect(await store.delete(job.id)).toBe(true);
    expect(await store.delete(job.id)).toBe(false);
    expect(await store.get(job.id)).toBeNull();
  });

  it('lists pending and running jobs of every owner, oldest first', async () => {
    const a = await store.insert(newJob({ owner: 'alice' }));
    const b = await store.insert(newJob({ owner: 'bob' }));
    const c = await store.insert(newJob({ owner: 'bob' }));
    await store.update(b.id, { status: 'running' });
    await store.update(c.id, { status: 'error', reason: 'image x: not found' });
    expect((await store.listActive()).map((j) => j.id)).toEqual([a.id, b.id]);
    // The brief form admission reads: the same jobs, with what it needs.
    const brief = await store.listActiveBrief();
    expect(brief).toEqual([a, { ...b, status: 'running' }].map((j) => ({ id: j.id, owner: j.owner, status: j.status, containerId: j.containerId, cpus: j.cpus, memoryMb: j.memoryMb, createdAtMs: Date.parse(j.createdAt) })));
  });

  it('sums a user’s pending and running jobs only', async () => {
    expect(await store.usage('nobody')).toEqual({ jobs: 0, cpus: 0, memoryMb: 0 });
    await store.insert(newJob({ owner: 'carol', cpus: 0.5, memoryMb: 100 }));
    const running = await store.insert(newJob({ owner: 'carol', cpus: 1.25, memoryMb: 200 }));
    const done = await store.insert(newJob({ owner: 'carol', cpus: 2, memoryMb: 400 }));
    const failed = await store.insert(newJob({ owner: 'carol', cpus: 2, memoryMb: 400 }));
    await store.insert(newJob({ owner: 'dave', cpus: 3, memoryMb: 800 }));
    await store.update(running.id, { status: 'running' });
    await store.update(done.id, { status: 'exited', reason: 'completed', exitCode: 0 });
    await store.update(failed.id, { status: 'error', reason: 'boom' });
    expect(await store.usage('carol')).toEqual({ jobs: 2, cpus: 1.75, memoryMb: 300 });
  });
});
