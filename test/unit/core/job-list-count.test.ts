// job.list {count}: the total is the number of jobs the same filter lists over all its pages, the
// caller's own for a non-admin, whatever page the cursor asks for; null when not asked.
import { afterEach, describe, expect, it } from 'vitest';
import type { JobService } from '../../../server/core/api.js';
import { createJobService } from '../../../server/core/job-service.js';
import { jobListParamsSchema, limits, type JobStatus } from '../../../server/protocol/index.js';

const { searchCountCap } = limits;
import { createFakeClock, createFakeJobStore, createFakeLogStore, createFakeRuntime, quietLogger } from '../../support/fake-ports.js';
import { newJob } from '../../support/job.js';

const admin = { user: 'root', admin: true };
const alice = { user: 'alice', admin: false };
let service: JobService | undefined;

afterEach(async () => {
  await service?.close();
  service = undefined;
});

async function seeded() {
  const store = createFakeJobStore();
  const clock = createFakeClock();
  const statuses: JobStatus[] = ['pending', 'running', 'exited'];
  for (let i = 0; i < 30; i++) {
    const job = await store.insert(newJob({ name: `${i % 2 ? 'web' : 'batch'}-${i}`, owner: i % 3 ? 'alice' : 'bob', createdAt: clock.now() }));
    await store.update(job.id, { status: statuses[i % 3] ?? 'pending' });
  }
  service = createJobService({ store, runtime: createFakeRuntime(), logs: createFakeLogStore(), clock, logger: quietLogger }, { version: 'test' });
  return service;
}

const list = (jobs: JobService, caller: typeof admin, params: Record<string, unknown>) => jobs.list(caller, jobListParamsSchema.parse(params));

describe('job.list count', () => {
  it('is null unless asked', async () => {
    const jobs = await seeded();
    expect(await list(jobs, admin, { limit: 5 })).toMatchObject({ total: null, totalCapped: false });
    expect(await list(jobs, admin, { limit: 5, count: false })).toMatchObject({ total: null, totalCapped: false });
  });

  it('counts every page of the filter, the same from any cursor', async () => {
    const jobs = await seeded();
    const first = await list(jobs, admin, { limit: 5, count: true });
    expect(first.jobs).toHaveLength(5);
    expect(first).toMatchObject({ total: 30, totalCapped: false });
    expect((await list(jobs, admin, { limit: 5, count: true, cursor: first.nextCursor })).total).toBe(30);
    // web-1, web-3, ... web-29: 15; of those, status by i % 3 === 1 (running): 1, 7, 13, 19, 25.
    expect((await list(jobs, admin, { search: 'web', count: true })).total).toBe(15);
    expect((await list(jobs, admin, { search: 'web', status: 'running', count: true })).total).toBe(5);
    expect((await list(jobs, admin, { search: 'nothing', count: true })).total).toBe(0);
  });

  it("counts only a non-admin's own jobs", async () => {
    const jobs = await seeded();
    // bob has i % 3 === 0: 10 of 30.
    expect((await list(jobs, alice, { count: true })).total).toBe(20);
    expect((await list(jobs, alice, { status: 'pending', count: true })).total).toBe(0);
    expect((await list(jobs, alice, { status: 'running', count: true })).total).toBe(10);
  });
});

describe('job.list count of a search', () => {
  it(`stops at ${searchCountCap} matches and says there are more; without a search it counts them all`, async () => {
    const store = createFakeJobStore();
    const clock = createFakeClock();
    for (let i = 0; i <= searchCountCap; i++) await store.insert(newJob({ name: `many-${i}`, createdAt: clock.now() }));
    service = createJobService({ store, runtime: createFakeRuntime(), logs: createFakeLogStore(), clock, logger: quietLogger }, { version: 'test' });
    expect(await list(service, admin, { search: 'many', count: true })).toMatchObject({ total: searchCountCap, totalCapped: true });
    expect(await list(service, admin, { count: true })).toMatchObject({ total: searchCountCap + 1, totalCapped: false });
    expect(await list(service, admin, { search: 'many-1000', count: true })).toMatchObject({ total: 1, totalCapped: false });
  });
});
