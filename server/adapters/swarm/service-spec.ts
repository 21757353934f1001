// Job -> Docker's service-create body (one replica that never restarts). Pure, so the limits are
// unit-tested.
import type { Job } from '../../protocol/index.js';
import { commandFor, instanceLabel, jobIdLabel, jobNameLabel, managedLabel, mib } from '../docker/container-config.js';

export interface ServiceSpecOptions {
  /** The image's ID on the manager: a worker given a tag tries a registry pull even when it has the
   * image, so services name the ID (the image must be on every node under that ID). */
  imageId: string;
  instance?: string;
  /** The grace between SIGTERM and SIGKILL when swarm shuts the task down (a stop). */
  stopGraceSeconds: number;
  /** The owner's overlay network: the job is on it under its name. */
  network?: { id: string; name: string };
}

/** Set on a service cjm scaled to zero to stop its job (runtime.ts): the job is over, not waiting. */
export const stoppedLabel = 'cjm.stopped';

export function serviceName(job: Pick<Job, 'id' | 'name'>): string {
  return `cjm-${job.id}-${job.name}`;
}

export function serviceSpec(job: Job, options: ServiceSpecOptions): Record<string, unknown> {
  const labels = {
    [managedLabel]: 'true',
    [jobIdLabel]: String(job.id),
    [jobNameLabel]: job.name,
    ...(options.instance === undefined ? {} : { [instanceLabel]: options.instance }),
  };
  const { Entrypoint, Cmd } = commandFor(job);
  const nanoCpus = Math.round(job.cpus * 1e9);
  const memory = job.memoryMb * mib;
  return {
    Name: serviceName(job),
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: options.imageId,
        Command: Entrypoint,
        Args: Cmd,
        Env: Object.entries(job.env).map(([k, v]) => `${k}=${v}`),
        Labels: labels,
        // tini as process 1, so SIGTERM reaches the command (see container-config.ts).
        Init: true,
        CapabilityDrop: ['NET_RAW'],
        StopGracePeriod: options.stopGraceSeconds * 1e9,
      },
      Resources: {
        Limits: { NanoCPUs: nanoCpus, MemoryBytes: memory, Pids: job.pidsLimit },
        // Equal to the limits: swarm places a job only where its whole share is free, and holds it
        // pending with its own message where none is.
        Reservations: { NanoCPUs: nanoCpus, MemoryBytes: memory },
      },
      RestartPolicy: { Condition: 'none', MaxAttempts: 0 },
      Placement: { Constraints: job.constraints },
      ...(options.network === undefined ? {} : { Networks: [{ Target: options.network.id, Aliases: [job.name] }] }),
    },
    // One replica with no restart, not replicated-job mode: Docker 20.10 leaves a replicated job's
    // ended task desired "complete" (even after the service is removed), and its constraint enforcer
    // counts such tasks' reservations on every node update, rejecting running jobs once they add up
    // past the node's size. A replicated service's ended task is desired "shutdown" at once, and
    // counts no more (measured on the test swarm; README, "What differs").
    Mode: { Replicated: { Replicas: 1 } },
    // A job's name resolves to its task's own address: one task, nothing to balance, no virtual IP.
    EndpointSpec: { Mode: 'dnsrr' },
  };
}
