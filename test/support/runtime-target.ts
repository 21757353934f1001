// The runtime a shared integration suite runs against: the machine's dockerd (docker runtime) or a
// private two-node swarm (swarm runtime, test/support/swarm.ts, started once per file). The suite
// asks the target what it needs to look behind cjm's back: the job's container, whether the job's
// runtime object is still there, and how to remove it by hand.
import Docker from 'dockerode';
import { afterAll, beforeAll } from 'vitest';
import type { Job, JobSpecInput } from '../../server/protocol/index.js';
import { startTestSwarm, type TestSwarm } from './swarm.js';

export interface RuntimeTarget {
  readonly name: 'docker' | 'swarm';
  /** CJM_RUNTIME and DOCKER_HOST for the server; read in beforeAll, after the target's own setup. */
  serverEnv(): Record<string, string>;
  /** Spec fields for a job whose container a test looks into: on swarm, placed on the manager's node,
   * the only one whose daemon cjm asks (cgroup read-back, OOM, stats). */
  readonly onInspectableNode: Partial<JobSpecInput>;
  /** The job's container and the daemon that holds it (on swarm, its task's, on whichever node). */
  container(job: Job): Promise<{ docker: Docker; id: string }>;
  /** Whether the job's container (docker) or service (swarm) still exists. */
  exists(job: Job): Promise<boolean>;
  /** `docker rm -f` of the container, or `docker service rm` of the service. */
  removeBehindBack(job: Job): Promise<void>;
  /** How many containers (services) cjm made for jobs of this name. */
  countNamed(name: string): Promise<number>;
  /** Whether a finished job's container stays until job.remove (docker), or goes once its exit and
   * log are stored (swarm: its service's reservation would still count, README "What differs"). */
  readonly keepsFinished: boolean;
}

const notFound = (err: unknown) => (err as { statusCode?: number }).statusCode === 404;

export function dockerTarget(): RuntimeTarget {
  const docker = new Docker();
  return {
    name: 'docker',
    serverEnv: () => ({}),
    onInspectableNode: {},
    keepsFinished: true,
    container: async (job) => ({ docker, id: job.containerId! }),
    exists: (job) =>
      docker
        .getContainer(job.containerId!)
        .inspect()
        .then(
          () => true,
          (err: unknown) => (notFound(err) ? false : Promise.reject(err)),
        ),
    removeBehindBack: async (job) => {
      await docker.getContainer(job.containerId!).remove({ force: true });
    },
    countNamed: async (name) => (await docker.listContainers({ all: true, filters: { label: ['cjm.managed=true'], name: [name] } })).length,
  };
}

/** Starts the swarm in beforeAll and destroys it in afterAll: call before withServerAndClient, so the
 * server starts after the swarm and stops before it. */
export function swarmTarget(): RuntimeTarget & { readonly swarm: TestSwarm } {
  let swarm: TestSwarm | undefined;
  beforeAll(async () => {
    swarm = await startTestSwarm();
  });
  afterAll(async () => {
    await swarm?.destroy();
  });
  const theSwarm = (): TestSwarm => {
    if (swarm === undefined) throw new Error('the swarm is not there yet: use it in tests or hooks, after beforeAll');
    return swarm;
  };
  const manager = () => theSwarm().manager.docker;
  return {
    name: 'swarm',
    get swarm() {
      return theSwarm();
    },
    serverEnv: () => ({ CJM_RUNTIME: 'swarm', DOCKER_HOST: theSwarm().manager.host }),
    onInspectableNode: { constraints: ['node.role==manager'] },
    keepsFinished: false,
    async container(job) {
      const tasks = (await manager().listTasks({ filters: { service: [job.containerId!] } })) as {
        NodeID: string;
        Version: { Index: number };
        Status: { ContainerStatus?: { ContainerID?: string } };
      }[];
      const task = tasks.sort((a, b) => b.Version.Index - a.Version.Index)[0];
      const id = task?.Status.ContainerStatus?.ContainerID;
      if (task === undefined || !id) throw new Error(`job ${job.id}'s service has no task with a container yet`);
      const s = theSwarm();
      return { docker: task.NodeID === s.manager.nodeId ? s.manager.docker : s.worker.docker, id };
    },
    exists: async (job) => (await manager().listServices({ filters: { id: [job.containerId!] } })).length > 0,
    removeBehindBack: async (job) => {
      await manager().getService(job.containerId!).remove();
    },
    countNamed: async (name) => (await manager().listServices({ filters: { label: ['cjm.managed=true', `cjm.job-name=${name}`] } })).length,
  };
}
