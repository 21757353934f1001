// job.create's per-user lock with in-memory ports: it holds only the quota read and the insert, so a
// slow Docker ping is waited for by a user's concurrent creates side by side, and the quota still
// holds under concurrent creates. Real Docker and MariaDB: test/integration/security/ownership.test.ts.
import { describe, expect, it } from 'vitest';
import { DockerUnavailableError, QuotaExceededError } from '../../../server/core/errors.js';
import { createJobService } from '../../../server/core/job-service.js';
import type { JobSpec } from '../../../server/protocol/index.js';
import { createFakeClock, createFakeJobStore, createFakeLogStore, createFakeRuntime, deferred, quietLogger, settle, type Deferred } from '../../support/fake-ports.js';
import { newJob } from '../../support/job.js';

const erin = { user: 'erin', admin: false };

/** With holdPings, each Docker ping waits until the test answers it. */
function setup(quotaJobs: number, holdPings = true) {
  const store = createFakeJobStore();
  const runtime = createFakeRuntime();
  const pings: Deferred[] = [];
  if (holdPings) {
    runtime.ping = () => {
      const answer = deferred();
      pings.push(answer);
      return answer.promise;
    };
  }
  const service = createJobService(
    { store, runtime, logs: createFakeLogStore(), clock: createFakeClock(), logger: quietLogger },
    { version: 'test', quotas: { jobs: quotaJobs }, capacity: { cpus: 64, memoryMb: 1024 * 1024 } },
  );
  const spec = (): JobSpec => {
    const { owner: _owner, createdAt: _createdAt, ...rest } = newJob({ cpus: 0.1, memoryMb: 16 });
    return { ...rest, constraints: [] } as JobSpec;
  };
  return { store, service, pings, spec };
}

describe("job.create's per-user lock", () => {
  it("one user's concurrent creates wait for Docker's ping side by side, not one after the other", async () => {
    const { service, pings, spec } = setup(10);
    const creates = [service.create(erin, spec()), service.create(erin, spec()), service.create(erin, spec())];
    await settle();
    expect(pings).toHaveLength(3);
    for (const p of pings) p.resolve();
    const jobs = await Promise.all(creates);
    expect(new Set(jobs.map((j) => j.id)).size).toBe(3);
    await service.close();
  });

  it('still lets no burst past the quota: 6 concurrent creates, room for 3', async () => {
    const { store, service, spec } = setup(3, false);
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => service.create(erin, spec())));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(QuotaExceededError);
    expect((await store.usage('erin')).jobs).toBe(3);
    await service.close();
  });

  it('Docker unreachable is 5003 before the quota, and nothing is stored', async () => {
    const { store, service, pings, spec } = setup(0);
    const create = service.create(erin, spec());
    await settle();
    pings[0]!.reject(new DockerUnavailableError());
    await expect(create).rejects.toBeInstanceOf(DockerUnavailableError);
    expect((await store.usage('erin')).jobs).toBe(0);
    await service.close();
  });
});
