// job.list {search} through the trigram side table (sql/003), against the real MariaDB: the
// answers are exactly those of LIKE over every row (the definition), with owner, status and cursor
// combined; the side table follows insert and delete and is backfilled by the migration; and a
// rare term reads a few rows, not the table.
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobQuery, JobStore } from '../../../server/core/ports.js';
import type { JobStatus } from '../../../server/protocol/index.js';
import { createJobStore, createMysqlPool, runMigrations } from '../../../server/adapters/mysql/index.js';
import { escapeLike } from '../../../server/adapters/mysql/job-store.js';
import { newJobToColumns } from '../../../server/adapters/mysql/row-mapping.js';
import { jobTrigrams, probeCap } from '../../../server/adapters/mysql/trigrams.js';
import { createTestDatabase, migrationsDir, type TestDatabase } from '../../support/database.js';
import { seedJobs } from '../../support/seed-jobs.js';
import { newJob, recordingLogger } from './fixtures.js';

let db: TestDatabase;
let pool: Pool;
let store: JobStore;

beforeAll(async () => {
  db = await createTestDatabase({ migrate: true });
  // One connection: the handler counters read below are per session.
  pool = createMysqlPool(db.url, { connectionLimit: 1 });
  store = createJobStore({ pool, logger: recordingLogger().logger });
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

const owners = ['alice', 'bob', 'carol'];
const statuses: JobStatus[] = ['pending', 'running', 'exited', 'error'];
const images = ['busybox:latest', 'python:3.12-alpine', '127.0.0.1:5001/team/Node_20', 'ghcr.io/x/50%-off', "o'brien/img"];
const names = ['grow', 'Web', 'café', 'CAFE', 'launch-🚀', 'launch-🚁', 'my_job', 'myXjob', 'sale-50%', 'wow!', 'db', '日本語'];

/** The definition of a match, by a scan of every row: what the store must return, page for page. */
async function byScan(q: JobQuery): Promise<number[]> {
  const where = ["(name LIKE ? ESCAPE '!' OR image LIKE ? ESCAPE '!')"];
  const pattern = `%${escapeLike(q.search ?? '')}%`;
  const values: (string | number)[] = [pattern, pattern];
  const add = (condition: string, value: string | number) => {
    where.push(condition);
    values.push(value);
  };
  if (q.owner !== null) add('owner = ?', q.owner);
  if (q.status) add('status = ?', q.status);
  if (q.beforeId !== undefined) add('id < ?', q.beforeId);
  const [rows] = await pool.query<RowDataPacket[]>(`SELECT id FROM jobs WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ${q.limit}`, values);
  return rows.map((r) => Number(r.id));
}

const ids = async (q: Partial<JobQuery>) => (await store.list({ owner: null, limit: 50, ...q })).map((j) => j.id);

describe('search', () => {
  // 1,500 jobs: more than probeCap, so both ways of walking (a trigram's list, the filtered rows)
  // are taken, by which list is shorter.
  beforeAll(async () => {
    expect(1500).toBeGreaterThan(probeCap);
    for (let i = 0; i < 1500; i++) {
      const job = await store.insert(
        newJob({
          name: `${names[i % names.length]}-${i}`,
          image: images[i % images.length],
          owner: owners[i % 7 === 0 ? 2 : i % 2] ?? 'alice',
          createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
        }),
      );
      const status = statuses[i % statuses.length] ?? 'pending';
      if (status !== 'pending') await store.update(job.id, { status });
    }
  }, 120_000);

  it('answers exactly as a scan with LIKE does, for rare, common and absent terms, with every filter', async () => {
    const terms = ['grow-1234', 'grow-1', 'GROW', 'cafe', 'CAFÉ', 'busybox', 'python:3.12', 'node_20', 'NODE', '50%', '%-off', '_job', "o'bri", 'launch-🚀', '🚁-', '日本', 'wow!', 'nosuchthing', 'db-1499', 'alpine', 'team/'];
    const [maxRow] = await pool.query<RowDataPacket[]>('SELECT MAX(id) AS m FROM jobs');
    const maxId = Number(maxRow[0]?.m);
    let compared = 0;
    for (const search of terms) {
      for (const owner of [null, 'alice', 'carol']) {
        for (const status of [undefined, 'running' as const]) {
          for (const beforeId of [undefined, maxId - 700]) {
            const q: JobQuery = { owner, search, limit: 21, ...(status ? { status } : {}), ...(beforeId ? { beforeId } : {}) };
            expect({ q, ids: await ids(q) }).toEqual({ q, ids: await byScan(q) });
            compared += 1;
          }
        }
      }
    }
    expect(compared).toBe(terms.length * 12);
  });

  it('counts exactly the jobs the scan finds, for every term and filter, and without a search', async () => {
    const terms = [undefined, 'grow-1234', 'grow-1', 'GROW', 'CAFÉ', 'busybox', 'NODE', '50%', '_job', 'launch-🚀', '日本', 'nosuchthing', 'alpine'];
    for (const search of terms) {
      for (const owner of [null, 'alice', 'carol']) {
        for (const status of [undefined, 'running' as const]) {
          const q = { owner, ...(search ? { search } : {}), ...(status ? { status } : {}) };
          const scanned = (await byScan({ ...q, limit: 100_000 })).length;
          expect({ q, count: await store.count(q) }).toEqual({ q, count: { total: scanned, capped: false } });
        }
      }
    }
    expect(await store.count({ owner: null })).toEqual({ total: 1500, capped: false });
    expect((await store.count({ owner: 'carol', status: 'running' })).total).toBe((await byScan({ owner: 'carol', status: 'running', limit: 5000 })).length);
  });

  it('pages a search with the cursor to the same jobs the scan finds, newest first, no gap', async () => {
    for (const [search, owner] of [['grow-1', null], ['python', 'carol'], ['CAFÉ-1', 'alice']] as const) {
      const seen: number[] = [];
      let beforeId: number | undefined;
      for (;;) {
        const page = await ids({ owner, search, limit: 25, beforeId });
        seen.push(...page);
        if (page.length < 25) break;
        beforeId = page[page.length - 1];
      }
      expect(seen.length).toBeGreaterThan(25);
      expect(seen).toEqual(await byScan({ owner, search, limit: 5000 }));
    }
  });

  it('matches without regard to case or accents, and takes %, _, quotes and ! literally', async () => {
    const named = async (search: string) => (await store.list({ owner: null, search, limit: 500 })).map((j) => j.name);
    const both = async (search: string) => (await store.list({ owner: null, search, limit: 500 })).map((j) => `${j.name} ${j.image}`);
    const cafes = await named('Cafe-12');
    expect(cafes.length).toBeGreaterThan(0);
    expect(cafes.every((n) => /^caf[eé]-12/i.test(n))).toBe(true);
    expect(cafes.some((n) => n.startsWith('café')) && cafes.some((n) => n.startsWith('CAFE'))).toBe(true);
    const fifty = await both('50%-');
    expect(fifty.length).toBeGreaterThan(0);
    expect(fifty.every((n) => n.includes('50%-'))).toBe(true);
    expect(await named('5_%')).toEqual([]);
    expect((await named('y_j')).every((n) => n.startsWith('my_job'))).toBe(true);
    expect(await named("'; DROP TABLE jobs; --")).toEqual([]);
    const rockets = await named('launch-🚀-1');
    expect(rockets).toEqual(expect.arrayContaining(['launch-🚀-100', 'launch-🚀-112']));
    expect(rockets.every((n) => n.startsWith('launch-🚀-1'))).toBe(true);
    expect((await named('launch-🚀')).some((n) => n.includes('🚁'))).toBe(false);
  });

});

describe('a table much larger than the page', () => {
  // 10,000 more jobs, newer than the 1,500 above: bulk-inserted with their trigrams, as the store
  // would write them.
  let firstFiller = 0;
  beforeAll(async () => {
    ({ firstId: firstFiller } = await seedJobs(pool, 10_000, { job: (i) => newJob({ name: `filler-${i}`, image: 'busybox:latest', owner: 'dave' }), status: () => 'pending' }));
  }, 120_000);

  it('reads a few hundred index entries for a rare term, where a scan reads every row', async () => {
    const handlerReads = async () => {
      const [rows] = await pool.query<RowDataPacket[]>("SHOW SESSION STATUS LIKE 'Handler_read%'");
      return rows.reduce((sum, r) => sum + Number(r.Value), 0);
    };
    const readsOf = async (fn: () => Promise<unknown>) => {
      const before = await handlerReads();
      await fn();
      return (await handlerReads()) - before;
    };
    const idle = await readsOf(async () => undefined); // reading the counters costs something itself
    const scan = (await readsOf(() => byScan({ owner: null, search: 'grow-1428', limit: 51 }))) - idle;
    const search = (await readsOf(async () => expect(await ids({ search: 'grow-1428', limit: 51 })).toHaveLength(1))) - idle;
    expect(scan).toBeGreaterThanOrEqual(11_500);
    // The probe counts each trigram's list (up to probeCap; 'gro', 'row' and 'ow-' are in 125 names
    // each), then walks the rarest ('428', two jobs).
    expect(search).toBeLessThan(2000);
  });

  it('looks at the newest 10,000 ids (from the cursor) for a 1-2 character term, and at all for 3', async () => {
    // The db-N jobs are older than the 10,000 fillers.
    expect(await ids({ search: 'db' })).toEqual([]);
    expect(await ids({ search: 'db', beforeId: firstFiller, limit: 500 })).toEqual(await byScan({ owner: null, search: 'db', beforeId: firstFiller, limit: 500 }));
    expect(await ids({ search: 'b-', owner: 'bob', beforeId: firstFiller })).toEqual(await byScan({ owner: 'bob', search: 'b-', beforeId: firstFiller, limit: 50 }));
    expect(await ids({ search: '🚀', beforeId: firstFiller })).toEqual(await byScan({ owner: null, search: '🚀', beforeId: firstFiller, limit: 50 }));
    expect(await ids({ search: 'db-', limit: 500 })).toEqual(await byScan({ owner: null, search: 'db-', limit: 500 }));
    expect(await ids({ search: 'db-', limit: 500 })).toHaveLength(125);
  });

  it('counts what paging would list: every match for 3 characters, the newest 10,000 ids for 1-2', async () => {
    const all = async (q: Omit<JobQuery, 'limit' | 'beforeId'>) => {
      let n = 0;
      let beforeId: number | undefined;
      for (;;) {
        const page = await ids({ ...q, limit: 500, beforeId });
        n += page.length;
        if (page.length < 500) return n;
        beforeId = page[page.length - 1];
      }
    };
    const busybox = (await byScan({ owner: null, search: 'busybox', limit: 100_000 })).length;
    expect(busybox).toBeGreaterThan(10_000);
    expect(await store.count({ owner: null, search: 'busybox' })).toEqual({ total: busybox, capped: false });
    expect(await store.count({ owner: 'dave', search: 'filler-99' })).toEqual({ total: 111, capped: false });
    expect(await store.count({ owner: null, search: 'db' })).toEqual({ total: 0, capped: false });
    for (const q of [{ owner: null, search: 'er' }, { owner: 'dave', search: '9' }, { owner: null, search: 'ler-1' }]) {
      expect({ q, total: (await store.count(q)).total }).toEqual({ q, total: await all(q) });
    }
  });

  it('stops counting at the cap and says so; a count of exactly the cap is exact', async () => {
    expect(await store.count({ owner: null, search: 'busybox' }, 1000)).toEqual({ total: 1000, capped: true });
    expect(await store.count({ owner: null }, 1000)).toEqual({ total: 1000, capped: true });
    expect(await store.count({ owner: 'dave', search: 'filler-99' }, 111)).toEqual({ total: 111, capped: false });
    expect(await store.count({ owner: 'dave', search: 'filler-99' }, 110)).toEqual({ total: 110, capped: true });
    expect(await store.count({ owner: null, search: 'nosuchthing' }, 10)).toEqual({ total: 0, capped: false });
  });

  it('still answers as the scan does, now that most rows are one owner\'s and one image', async () => {
    for (const search of ['grow-14', 'busybox', 'filler-99', 'python', 'ler-1']) {
      for (const owner of [null, 'dave', 'carol']) {
        for (const beforeId of [undefined, firstFiller + 5000, firstFiller]) {
          const q: JobQuery = { owner, search, limit: 21, ...(beforeId ? { beforeId } : {}) };
          expect({ q, ids: await ids(q) }).toEqual({ q, ids: await byScan(q) });
        }
      }
    }
  });
});

describe('the trigram side table', () => {
  const trigramsOf = async (id: number) => {
    const [rows] = await pool.query<RowDataPacket[]>('SELECT trigram FROM job_search_trigrams WHERE job_id = ?', [id]);
    return rows.map((r) => String(r.trigram)).sort();
  };

  it('holds the trigrams of a job from its insert, and loses them with its delete', async () => {
    const job = await store.insert(newJob({ name: 'Side-Table-olá', image: 'busybox:ola' }));
    // 'olá' and 'ola' are one trigram to the collation: stored once.
    expect(await trigramsOf(job.id)).toEqual(jobTrigrams(job).filter((g) => g !== 'ola').sort());
    expect(await ids({ search: 'side-table' })).toEqual([job.id]);
    expect(await store.delete(job.id)).toBe(true);
    expect(await trigramsOf(job.id)).toEqual([]);
    expect(await ids({ search: 'side-table' })).toEqual([]);
  });

  it('keeps nothing of an insert that failed on a taken name', async () => {
    const [countBefore] = await pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM job_search_trigrams');
    const taken = await store.list({ owner: null, limit: 1 });
    await expect(store.insert(newJob({ name: taken[0]?.name ?? 'x', image: 'never-stored-image' }))).rejects.toThrow(/taken/);
    const [countAfter] = await pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM job_search_trigrams');
    expect(Number(countAfter[0]?.n)).toBe(Number(countBefore[0]?.n));
    expect(await ids({ search: 'never-stored' })).toEqual([]);
  });
});

describe('the migration', () => {
  it('backfills the trigrams of jobs stored before it, as the store writes them', async () => {
    const old = await createTestDatabase();
    const dir = await mkdtemp(path.join(tmpdir(), 'cjm-migrations-'));
    const oldPool = createMysqlPool(old.url);
    try {
      const silent = recordingLogger().logger;
      // Every migration but the trigrams' own (005 only adds a column the store writes).
      for (const file of ['001-create-jobs.sql', '002-create-tokens.sql', '003-job-ports.sql', '005-job-constraints.sql']) await copyFile(path.join(migrationsDir, file), path.join(dir, file));
      await runMigrations(oldPool, { dir, logger: silent });
      const jobs = [newJob({ name: 'before-trigrams', image: 'busybox:latest' }), newJob({ name: 'x🚀y-Ünï', image: 'ab' }), newJob({ name: 'ab', image: 'cd' })];
      for (const job of jobs) {
        const columns = newJobToColumns(job);
        await oldPool.query(`INSERT INTO jobs (${Object.keys(columns).join(', ')}) VALUES (?)`, [Object.values(columns)]);
      }
      expect(await runMigrations(oldPool, { dir: migrationsDir, logger: silent })).toEqual(['004-create-job-search-trigrams.sql']);
      const [rows] = await oldPool.query<RowDataPacket[]>('SELECT j.name, t.trigram FROM job_search_trigrams t JOIN jobs j ON j.id = t.job_id');
      for (const job of jobs) {
        const stored = rows.filter((r) => r.name === job.name).map((r) => String(r.trigram)).sort();
        expect({ name: job.name, stored }).toEqual({ name: job.name, stored: jobTrigrams(job).sort() });
      }
      const oldStore = createJobStore({ pool: oldPool, logger: silent });
      expect((await oldStore.list({ owner: null, search: 'TRIGRAM', limit: 50 })).map((j) => j.name)).toEqual(['before-trigrams']);
      expect((await oldStore.list({ owner: null, search: '🚀Y-ü', limit: 50 })).map((j) => j.name)).toEqual(['x🚀y-Ünï']);
    } finally {
      await oldPool.end();
      await old.drop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
