// Reads a cgroup back (the job's parent before start, or the container's own after it), applies the IO
// weight Docker discarded, and says what is really in effect.
import type { Enforced, Job } from '../../protocol/index.js';
import type { Logger } from '../../core/ports.js';
import { disksFor, schedulersOf } from './block-device.js';
import { readCgroup, readCgroupFile, readProcCgroup, writeCgroupFile, type ContainerCgroup } from './cgroup-io.js';
import { checkLimits } from './cgroup-limits.js';
import { containerVerdict, diskVerdict, parseWeight, weightFileFor, type IoWeightVerdict } from './io-weight.js';

export interface HostPaths {
  cgroupRoot: string;
  sysBlockRoot: string;
  procRoot: string;
}

/** The parts of an inspect result used here. */
export interface InspectedContainer {
  State: { Running?: boolean; Pid?: number };
  HostConfig: { BlkioWeight?: number };
}

export function blkioDiscarded(warnings: readonly string[], hostConfigWeight: number | undefined): boolean {
  return warnings.some((w) => /blkio|block i\/o weight/i.test(w)) || !hostConfigWeight;
}

/** For a container whose cgroup could not be read: nothing is claimed on Docker's word. */
export function enforcedUnread(why: string): Enforced {
  return { cpus: false, memory: false, pids: false, ioWeight: false, note: `${why}: cpus, memory, pids and IO weight not verified` };
}

/** What is in effect: the limits as the cgroup's values read back, and the IO weight's verdict. */
export function judgeCgroup(job: Job, cgroup: ContainerCgroup, io: IoWeightVerdict): Enforced {
  const limits = checkLimits(cgroup.version, cgroup.values, job);
  const notes = [...limits.notes, ...(io.note ? [io.note] : [])];
  return {
    cpus: limits.cpus,
    memory: limits.memory,
    pids: limits.pids,
    ioWeight: io.enforced,
    ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
  };
}

export interface EnforcementChecker {
  /** Host level, for system.info. */
  hostIoWeight(): Promise<IoWeightVerdict>;
  /** After start, from the container's own cgroup (when no parent could be prepared). */
  verify(job: Job, container: InspectedContainer, warnings: readonly string[]): Promise<Enforced>;
  /** Writes the job's IO weight to a cgroup already read (the job's parent, before start) and reads it back. */
  applyIoWeight(job: Job, cgroup: ContainerCgroup, dockerDiscarded: boolean): Promise<IoWeightVerdict>;
  /** Limits and IO weight of a cgroup already read. */
  verifyCgroup(job: Job, cgroup: ContainerCgroup, dockerDiscarded: boolean): Promise<Enforced>;
}

export function createEnforcementChecker(deps: { logger: Logger; dataRoot: () => Promise<string> }, paths: HostPaths): EnforcementChecker {
  let disks: Promise<{ root: string; disks: string[] | null }> | null = null;
  const diskList = () => {
    disks ??= (async () => {
      const root = await deps.dataRoot();
      return { root, disks: await disksFor(root, { sysBlockRoot: paths.sysBlockRoot }) };
    })().catch((err: unknown) => {
      disks = null; // Docker may be down now; look again next time.
      throw err;
    });
    return disks;
  };

  // The scheduler is read every time: an admin may switch it while the server runs.
  const hostIoWeight = async (): Promise<IoWeightVerdict> => {
    const { root, disks: names } = await diskList();
    return diskVerdict(names === null ? null : await schedulersOf(names, { sysBlockRoot: paths.sysBlockRoot }), root);
  };

  const applyWeight = async (cgroup: ContainerCgroup, job: Job, dockerDiscarded: boolean): Promise<IoWeightVerdict> => {
    const file = weightFileFor(cgroup.version, cgroup.values, job.ioWeight);
    const dir = cgroup.dirs.blkio;
    const host = await hostIoWeight();
    if (file === null || dir === undefined) return containerVerdict({ file: null, readBack: null, dockerDiscarded }, host);
    let writeError: string | undefined;
    if (parseWeight(cgroup.values[file.file]) !== file.expected) {
      try {
        await writeCgroupFile(dir, file.file, file.value);
      } catch (err) {
        writeError = err instanceof Error ? err.message : String(err);
      }
    }
    const readBack = parseWeight(await readCgroupFile(dir, file.file));
    return containerVerdict({ file, readBack, dockerDiscarded, ...(writeError === undefined ? {} : { writeError }) }, host);
  };

  const applyIoWeight = async (job: Job, cgroup: ContainerCgroup, dockerDiscarded: boolean): Promise<IoWeightVerdict> => {
    try {
      return await applyWeight(cgroup, job, dockerDiscarded);
    } catch (err) {
      deps.logger.warn({ err }, 'io weight check failed');
      return { enforced: false, note: `IO weight not verified: ${err instanceof Error ? err.message : String(err)}` };
    }
  };

  const verifyCgroup = async (job: Job, cgroup: ContainerCgroup, dockerDiscarded: boolean): Promise<Enforced> =>
    judgeCgroup(job, cgroup, await applyIoWeight(job, cgroup, dockerDiscarded));

  return {
    hostIoWeight,
    applyIoWeight,
    verifyCgroup,
    async verify(job, container, warnings) {
      const pid = container.State.Pid ?? 0;
      const procText = container.State.Running && pid > 0 ? await readProcCgroup(pid, paths.procRoot) : null;
      const cgroup = procText === null ? null : await readCgroup(procText, paths.cgroupRoot);
      if (cgroup === null) return enforcedUnread('the container exited before its cgroup could be read');
      return verifyCgroup(job, cgroup, blkioDiscarded(warnings, container.HostConfig.BlkioWeight));
    },
  };
}
