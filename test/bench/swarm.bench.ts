// Swarm runtime figure (issue 17), against a baseline measured in the same run on the same private
// two-node swarm: job.create -> job.updated running through the server (CJM_RUNTIME=swarm), vs a raw
// service create of the same job (the same service spec, by image ID) until its task is running,
// polled every 50 ms as cjm's start does, on an attachable overlay network as cjm's job is on its
// owner's. Alternated, so load drift hits both alike.
import { createClient } from '../../server/protocol/client.js';
import { serviceSpec } from '../../server/adapters/swarm/service-spec.js';
import { makeJob } from '../support/job.js';
import { startTestServer } from '../support/server.js';
import { startTestSwarm } from '../support/swarm.js';
import { uniqueName } from '../support/wait.js';
import type { Report } from './report.js';

const ROUNDS = 8;
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? NaN;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function run(report: Report): Promise<void> {
  const swarm = await startTestSwarm();
  const server = await startTestServer({ env: { CJM_RUNTIME: 'swarm', DOCKER_HOST: swarm.manager.host } });
  const api = await createClient(server.url, server.adminToken);
  const docker = swarm.manager.docker;
  try {
    const running = new Map<number, () => void>();
    api.on('job.updated', ({ job }) => {
      if (job.status === 'running') running.get(job.id)?.();
    });
    await api.call('events.subscribe', {});
    // Like cjm's per-user overlay (made once, before the timed part).
    const net = (await docker.createNetwork({ Name: 'cjm-bench-overlay', Driver: 'overlay', Attachable: true })) as { id: string };
    const network = { id: net.id, name: 'cjm-bench-overlay' };

    const viaCjm = async (): Promise<number> => {
      const t0 = performance.now();
      let seen!: () => void;
      const ran = new Promise<void>((r) => (seen = r));
      const job = await api.call('job.create', { name: uniqueName('bench'), image: 'busybox:latest', cmd: 'sleep 30', cpus: 0.1, memoryMb: 16 });
      running.set(job.id, seen);
      await ran;
      const elapsed = performance.now() - t0;
      await api.call('job.remove', { id: job.id });
      return elapsed;
    };
    const raw = async (i: number): Promise<number> => {
      const t0 = performance.now();
      const spec = serviceSpec(makeJob({ id: 900_000 + i, name: `raw-${i}`, cmd: 'sleep 30', cpus: 0.1, memoryMb: 16 }), { imageId: swarm.imageId, stopGraceSeconds: 10, network });
      const service = (await docker.createService({ ...spec, Labels: {} } as never)) as { id: string };
      for (;;) {
        const tasks = (await docker.listTasks({ filters: { service: [service.id] } })) as { Status?: { State?: string } }[];
        if (tasks.some((t) => t.Status?.State === 'running')) break;
        await sleep(50);
      }
      const elapsed = performance.now() - t0;
      await docker.getService(service.id).remove();
      return elapsed;
    };

    const cjm: number[] = [];
    const base: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      cjm.push(await viaCjm());
      base.push(await raw(i));
    }
    console.log(`  create -> running on swarm: cjm median ${median(cjm).toFixed(0)} ms, raw service create ${median(base).toFixed(0)} ms (n=${ROUNDS} each)`);
    report.figure('swarm create -> running, cjm / raw service create (medians)', median(cjm) / median(base), 'x', { max: 1.1 });
  } finally {
    api.close();
    await server.close();
    await swarm.destroy();
  }
}
