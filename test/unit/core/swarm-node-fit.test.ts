// Under swarm a job runs on one node, whole: job.create refuses (4029) a job no ready node could
// hold, even when the nodes' summed capacity would. In-memory ports; the real two-node swarm is
// test/integration/swarm.
import { describe, expect, it } from 'vitest';
import { QuotaExceededError } from '../../../server/core/errors.js';
import { createJobService } from '../../../server/core/job-service.js';
import type { HostInfo } from '../../../server/core/ports.js';
import type { JobSpec } from '../../../server/protocol/index.js';
import { createFakeClock, createFakeJobStore, createFakeLogStore, createFakeRuntime, quietLogger } from '../../support/fake-ports.js';
import { newJob } from '../../support/job.js';

const erin = { user: 'erin', admin: false };
const node = (hostname: string, cpus: number, memoryMb: number, state = 'ready') => ({ id: hostname, hostname, role: 'worker' as const, state, availability: 'active', cpus, memoryMb });

function swarmService(nodes: NonNullable<HostInfo['nodes']>) {
  const runtime = Object.assign(createFakeRuntime(), { placement: true });
  runtime.info = async (): Promise<HostInfo> => {
    const ready = nodes.filter((n) => n.state === 'ready');
    const capacity = { cpus: ready.reduce((s, n) => s + n.cpus, 0), memoryMb: ready.reduce((s, n) => s + n.memoryMb, 0) };
    return { docker: { version: '20.10', apiVersion: '1.41' }, runtime: 'swarm', capacity, enforcement: { cpus: true, memory: true, ioWeight: false, pids: true }, nodes };
  };
  return createJobService({ store: createFakeJobStore(), runtime, logs: createFakeLogStore(), clock: createFakeClock(), logger: quietLogger }, { version: 'test' });
}

const spec = (cpus: number, memoryMb: number): JobSpec => {
  const { owner: _owner, createdAt: _createdAt, ...rest } = newJob({ cpus, memoryMb });
  return { ...rest, constraints: [] } as JobSpec;
};

describe('job.create under swarm: a job must fit one node', () => {
  it('refuses a job that fits the sum of two nodes but neither, naming the nodes', async () => {
    const service = swarmService([node('m1', 2, 4000), node('w1', 2, 4000)]);
    const err = await service.create(erin, spec(3, 100)).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(QuotaExceededError);
    expect((err as Error).message).toBe('Job larger than any swarm node, it could never be placed: cpus 3, memoryMb 100; ready nodes: m1 2 CPUs/4000 MB, w1 2 CPUs/4000 MB');
  });

  it('needs CPUs and memory on the same node', async () => {
    const service = swarmService([node('cpu', 4, 1000), node('mem', 1, 8000)]);
    await expect(service.create(erin, spec(2, 2000))).rejects.toThrow(/larger than any swarm node/);
    await expect(service.create(erin, spec(2, 1000))).resolves.toMatchObject({ status: 'pending' });
  });

  it('ignores nodes that are down, and names the whole capacity as the swarm\'s', async () => {
    const service = swarmService([node('m1', 2, 4000), node('w1', 8, 4000, 'down')]);
    await expect(service.create(erin, spec(4, 100))).rejects.toThrow("cpus 4 > 2 (the swarm's ready nodes' CPUs)");
  });
});
