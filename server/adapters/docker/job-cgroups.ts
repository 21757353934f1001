// The lifecycle of the per-job parent cgroups around Docker's calls: prepared while the container is
// created, removed with it, and leftovers swept without ever touching a create in flight.
import type { Logger } from '../../core/ports.js';
import type { Job } from '../../protocol/index.js';
import { isUnifiedRoot, type ContainerCgroup } from './cgroup-io.js';
import { createCgroupParents, jobIdOfParent, parentName } from './cgroup-parent.js';

export interface JobCgroupsDeps {
  logger: Logger;
  /** Docker's cgroup driver ("cgroupfs", "systemd"), from docker info. */
  cgroupDriver: () => Promise<string | undefined>;
}

export interface JobCgroups {
  /** False on the systemd driver: the parent would be a slice that systemd owns and resets when it
   * starts the container's scope, so none is made. Asked once; asked again after a failure. */
  enabled(): Promise<boolean>;
  /** HostConfig.CgroupParent for the job's container. */
  parentPath(jobId: number): string;
  /** Runs a create of the job's container: while it runs (and for a sweep whose container list was
   * asked for before it ended) the job's parent is never swept. */
  creating<T>(jobId: number, work: () => Promise<T>): Promise<T>;
  /** Makes the job's parent and reads it back, or says why it could not. */
  prepare(job: Job): Promise<ContainerCgroup | { error: string }>;
  /** After start: the CPU quota written to the prepared parent and read back (cgroup-parent.ts says
   * why not before), or why it could not be. */
  limitCpu(cgroup: ContainerCgroup, job: Job): Promise<ContainerCgroup | { error: string }>;
  /** Removes a parent named by a container's CgroupParent, if it is one of ours. */
  remove(cgroupParent: string): Promise<void>;
  /** Take before listing the containers handed to sweep. */
  mark(): number;
  /** Removes parents of jobs none of these containers belongs to. */
  sweep(containerJobIds: Iterable<number | null>, mark: number): Promise<void>;
}

export function createJobCgroups(deps: JobCgroupsDeps, options: { cgroupRoot: string; instance?: string; remembered?: number }): JobCgroups {
  const { logger } = deps;
  const instance = options.instance === undefined ? {} : { instance: options.instance };
  const remembered = options.remembered ?? 1000;
  let parentsOnce: Promise<ReturnType<typeof createCgroupParents> | null> | null = null;
  const parents = () => {
    parentsOnce ??= (async () => {
      if ((await deps.cgroupDriver()) !== 'cgroupfs') return null;
      return createCgroupParents({ cgroupRoot: options.cgroupRoot, version: (await isUnifiedRoot(options.cgroupRoot)) ? 2 : 1, ...instance });
    })().catch((err: unknown) => {
      parentsOnce = null;
      throw err;
    });
    return parentsOnce;
  };
  const inFlight = new Set<number>();
  const endedAt = new Map<number, number>();
  let seq = 0;
  /** Once a second after the quick tries, for half a minute. */
  const backgroundTries = 30;

  const removeNamed = async (name: string, jobId: number) => {
    const p = await parents();
    if (p === null) return;
    // runc removes the container's own cgroup as the container goes; give it a moment.
    for (let attempt = 0; attempt < 5; attempt++) {
      if (await p.remove(name)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    // Under load runc can take seconds: keep trying in the background rather than leave it to a
    // reconcile that a server about to stop never runs (leftovers pile up in the kernel). Never once
    // a create of the same job has begun since: that one owns the parent again.
    const mark = seq;
    let tries = 0;
    const retry = () => {
      const timer = setTimeout(() => {
        if (inFlight.has(jobId) || (endedAt.get(jobId) ?? 0) > mark) return;
        void p.remove(name).then(
          (gone) => {
            if (gone) return;
            if (++tries < backgroundTries) retry();
            else logger.warn({ cgroup: name }, 'parent cgroup still busy; the next reconcile removes it');
          },
          (err: unknown) => logger.warn({ cgroup: name, err }, 'removing a parent cgroup failed; the next reconcile removes it'),
        );
      }, 1000);
      timer.unref();
    };
    retry();
  };

  return {
    enabled: async () => (await parents()) !== null,
    parentPath: (jobId) => `/${parentName(jobId, options.instance)}`,

    async creating(jobId, work) {
      inFlight.add(jobId);
      try {
        return await work();
      } finally {
        inFlight.delete(jobId);
        endedAt.set(jobId, ++seq);
        if (endedAt.size > remembered) endedAt.delete(endedAt.keys().next().value as number);
      }
    },

    async prepare(job) {
      try {
        const p = await parents();
        if (p === null) return { error: 'the systemd cgroup driver leaves no parent cgroup to cjm' };
        return await p.prepare(job);
      } catch (err) {
        logger.warn({ jobId: job.id, err }, "could not prepare the job's parent cgroup; its limits are read after start");
        return { error: `could not prepare the job's cgroup (${err instanceof Error ? err.message : String(err)})` };
      }
    },

    async limitCpu(cgroup, job) {
      try {
        const p = await parents();
        if (p === null) return { error: 'the systemd cgroup driver leaves no parent cgroup to cjm' };
        return await p.limitCpu(cgroup, job);
      } catch (err) {
        logger.warn({ jobId: job.id, err }, "could not write the CPU quota to the job's parent cgroup");
        return { error: `could not write the CPU quota to the job's cgroup (${err instanceof Error ? err.message : String(err)})` };
      }
    },

    async remove(cgroupParent) {
      const name = cgroupParent.replace(/^\//, '');
      const jobId = jobIdOfParent(name, options.instance);
      if (jobId !== null) await removeNamed(name, jobId);
    },

    mark: () => seq,

    async sweep(containerJobIds, mark) {
      const p = await parents();
      if (p === null) return;
      const owned = new Set(containerJobIds);
      for (const name of await p.list()) {
        const jobId = jobIdOfParent(name, options.instance);
        if (jobId === null || owned.has(jobId) || inFlight.has(jobId) || (endedAt.get(jobId) ?? 0) > mark) continue;
        if (await p.remove(name)) logger.info({ cgroup: name }, 'removed a parent cgroup left by a removed job');
      }
    },
  };
}
