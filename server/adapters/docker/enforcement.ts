// After start: read the container's cgroup back, apply the IO weight Docker discarded, and say what
// is really in effect.
import type { Enforced, Job } from '../../protocol/index.js';
import type { Logger } from '../../core/ports.js';
import { disksFor, schedulersOf } from './block-device.js';
import { readCgroup, readCgroupFile, readProcCgroup, writeCgroupFile, type ContainerCgroup } from './cgroup-io.js';
import { checkLimits } from './cgroup-limits.js';
import { mib } from './container-config.js';
import { containerVerdict, diskVerdict, parseWeight, weightFileFor, type IoWeightVerdict } from './io-weight.js';

export interface HostPaths {
  cgroupRoot: string;
  sysBlockRoot: string;
  procRoot: string;
}

/** The parts of an inspect result used here. */
export interface InspectedContainer {
  State: { Running?: boolean; Pid?: number };
  HostConfig: { NanoCpus?: number; Memory?: number; MemorySwap?: number; PidsLimit?: number | null; BlkioWeight?: number };
}

export function blkioDiscarded(warnings: readonly string[], hostConfigWeight: number | undefined): boolean {
  return warnings.some((w) => /blkio|block i\/o weight/i.test(w)) || !hostConfigWeight;
}

/** What Docker's HostConfig claims, for a container whose cgroup is gone before it could be read. */
export function enforcedFromHostConfig(job: Job, hostConfig: InspectedContainer['HostConfig']): Enforced {
  const memory = job.memoryMb * mib;
  return {
    cpus: hostConfig.NanoCpus === Math.round(job.cpus * 1e9),
    memory: hostConfig.Memory === memory && hostConfig.MemorySwap === memory,
    pids: hostConfig.PidsLimit === job.pidsLimit,
    ioWeight: false,
    note: "the container exited before its cgroup could be read: cpus, memory and pids are as Docker's HostConfig reports them, not verified in the cgroup; IO weight not applied",
  };
}

export interface EnforcementChecker {
  /** Host level, for system.info. */
  hostIoWeight(): Promise<IoWeightVerdict>;
  verify(job: Job, container: InspectedContainer, warnings: readonly string[]): Promise<Enforced>;
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

  return {
    hostIoWeight,
    async verify(job, container, warnings) {
      const dockerDiscarded = blkioDiscarded(warnings, container.HostConfig.BlkioWeight);
      const pid = container.State.Pid ?? 0;
      const procText = container.State.Running && pid > 0 ? await readProcCgroup(pid, paths.procRoot) : null;
      const cgroup = procText === null ? null : await readCgroup(procText, paths.cgroupRoot);
      if (cgroup === null) return enforcedFromHostConfig(job, container.HostConfig);
      const limits = checkLimits(cgroup.version, cgroup.values, job);
      let io: IoWeightVerdict;
      try {
        io = await applyWeight(cgroup, job, dockerDiscarded);
      } catch (err) {
        deps.logger.warn({ err }, 'io weight check failed');
        io = { enforced: false, note: `IO weight not verified: ${err instanceof Error ? err.message : String(err)}` };
      }
      const notes = [...limits.notes, ...(io.note ? [io.note] : [])];
      return {
        cpus: limits.cpus,
        memory: limits.memory,
        pids: limits.pids,
        ioWeight: io.enforced,
        ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
      };
    },
  };
}
