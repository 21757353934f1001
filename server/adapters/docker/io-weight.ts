// IO weight: Docker drops BlkioWeight on kernels without CFQ, but BFQ's per-cgroup weight file works.
// Pure parts: which file to write and how, parsing what the kernel shows, and the verdict + note.
import type { CgroupValues } from './cgroup-limits.js';
import type { CgroupVersion } from './cgroup-paths.js';

export interface Scheduler {
  active: string | null;
  available: string[];
}

/** "none [mq-deadline] kyber bfq" -> active mq-deadline. A disk with no queue shows "none" alone. */
export function parseScheduler(text: string): Scheduler {
  const words = text.trim().split(/\s+/).filter(Boolean);
  let active: string | null = null;
  const available = words.map((w) => {
    const m = /^\[(.+)\]$/.exec(w);
    if (m?.[1]) {
      active = m[1];
      return m[1];
    }
    return w;
  });
  if (active === null && available.length === 1) active = available[0] ?? null;
  return { active, available };
}

/** "100", "default 100" or "default 100\n8:0 200" -> 100 (the cgroup's default weight). */
export function parseWeight(text: string | undefined): number | null {
  if (text === undefined) return null;
  for (const line of text.split('\n')) {
    const m = /^\s*(?:default\s+)?(\d+)\s*$/.exec(line);
    if (m?.[1]) return Number(m[1]);
  }
  return null;
}

export interface WeightFile {
  file: string;
  /** What to write to set the job's weight. */
  value: string;
  /** The weight the file shows when it is in effect. */
  expected: number;
  /** Whether this file is one BFQ honours (io.weight is the iocost controller's, not BFQ's). */
  bfq: boolean;
}

/** runc's mapping of blkio weight (10..1000) onto cgroup v2 io.weight (1..10000). */
export function blkioToIoWeight(weight: number): number {
  return Math.round(1 + ((weight - 10) * 9999) / 990);
}

/** The file through which the weight applies in this cgroup, or null when the kernel offers none. */
export function weightFileFor(version: CgroupVersion, values: CgroupValues, weight: number): WeightFile | null {
  if (version === 1) {
    if (values['blkio.bfq.weight'] !== undefined) return { file: 'blkio.bfq.weight', value: String(weight), expected: weight, bfq: true };
    if (values['blkio.weight'] !== undefined) return { file: 'blkio.weight', value: String(weight), expected: weight, bfq: false };
    return null;
  }
  if (values['io.bfq.weight'] !== undefined) return { file: 'io.bfq.weight', value: String(weight), expected: weight, bfq: true };
  if (values['io.weight'] !== undefined) {
    const mapped = blkioToIoWeight(weight);
    return { file: 'io.weight', value: `default ${mapped}`, expected: mapped, bfq: false };
  }
  return null;
}

export interface DiskScheduler {
  disk: string;
  scheduler: Scheduler | null;
}

export interface IoWeightVerdict {
  enforced: boolean;
  note?: string;
}

function fixFor(disks: string[]): string {
  return disks.map((d) => `echo bfq > /sys/block/${d}/queue/scheduler`).join('; ');
}

/** Whether the disks Docker writes to honour per-cgroup weights (host level: system.info). */
export function diskVerdict(disks: DiskScheduler[] | null, dataRoot: string): IoWeightVerdict {
  if (disks === null) return { enforced: false, note: `could not tell which disk holds Docker's data (${dataRoot}); IO weight not verified` };
  if (disks.length === 0) return { enforced: false, note: `Docker's data (${dataRoot}) is not on a block device; IO weights do not apply` };
  const notBfq = disks.filter((d) => d.scheduler?.active !== 'bfq');
  if (notBfq.length === 0) return { enforced: true };
  const parts = notBfq.map((d) => `disk ${d.disk} uses ${d.scheduler?.active ?? 'an unknown scheduler'}`);
  const offered = notBfq.every((d) => d.scheduler?.available.includes('bfq'));
  const how = offered ? fixFor(notBfq.map((d) => d.disk)) : `modprobe bfq, then ${fixFor(notBfq.map((d) => d.disk))}`;
  return { enforced: false, note: `${parts.join(', ')}; IO weights need the bfq scheduler (${how})` };
}

export interface ContainerWeightState {
  /** null: the cgroup has no weight file at all. */
  file: WeightFile | null;
  /** What the file read after we set it. */
  readBack: number | null;
  /** Why writing failed, if it did. */
  writeError?: string;
  /** Docker said it discarded the weight (create warning, or HostConfig shows 0). */
  dockerDiscarded: boolean;
}

export function containerVerdict(state: ContainerWeightState, disks: IoWeightVerdict): IoWeightVerdict {
  if (state.file === null) {
    return { enforced: false, note: "the container's cgroup has no bfq weight file (blkio.bfq.weight / io.bfq.weight); IO weights need the bfq scheduler" + (disks.note ? ` (${disks.note})` : '') };
  }
  if (state.writeError !== undefined) return { enforced: false, note: `could not set ${state.file.file}: ${state.writeError}` };
  if (state.readBack !== state.file.expected) {
    return { enforced: false, note: `${state.file.file} reads ${state.readBack ?? 'nothing'} after setting ${state.file.expected}` };
  }
  if (!state.file.bfq) return { enforced: false, note: `weight set in ${state.file.file}, which only the iocost controller honours; not verified` };
  return disks;
}
