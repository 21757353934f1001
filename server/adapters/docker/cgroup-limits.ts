// Given the contents of a container's cgroup files, which limits are really in effect. Pure: the
// adapter reads the files, this decides.
import type { CgroupVersion } from './cgroup-paths.js';
import { mib } from './container-config.js';

export type CgroupValues = Record<string, string | undefined>;

export interface LimitSpec {
  cpus: number;
  memoryMb: number;
  pidsLimit: number;
}

export interface LimitCheck {
  cpus: boolean;
  memory: boolean;
  pids: boolean;
  notes: string[];
}

function int(text: string | undefined): number | null {
  if (text === undefined) return null;
  const t = text.trim();
  return /^-?\d+$/.test(t) ? Number(t) : null;
}

/** CPU quota as a fraction of CPUs, or null when unlimited / unreadable. */
export function cpusInEffect(version: CgroupVersion, values: CgroupValues): number | null {
  if (version === 1) {
    const quota = int(values['cpu.cfs_quota_us']);
    const period = int(values['cpu.cfs_period_us']);
    if (quota === null || period === null || quota <= 0 || period <= 0) return null;
    return quota / period;
  }
  const [quota, period] = (values['cpu.max'] ?? '').trim().split(/\s+/);
  const q = int(quota);
  const p = int(period);
  if (q === null || p === null || p <= 0) return null;
  return q / p;
}

export function checkLimits(version: CgroupVersion, values: CgroupValues, spec: LimitSpec): LimitCheck {
  const notes: string[] = [];
  const cpus = cpusInEffect(version, values);
  // Docker turns NanoCpus into quota/period with integer microseconds; allow that rounding.
  const cpusOk = cpus !== null && Math.abs(cpus - spec.cpus) <= 0.0011;
  if (!cpusOk) notes.push(`cpu quota reads ${cpus === null ? 'unlimited or unreadable' : cpus.toFixed(3)}, expected ${spec.cpus}`);

  const memory = spec.memoryMb * mib;
  const [limitFile, swapFile, swapExpected] =
    version === 1 ? ['memory.limit_in_bytes', 'memory.memsw.limit_in_bytes', memory] : ['memory.max', 'memory.swap.max', 0];
  let memoryOk = int(values[limitFile]) === memory;
  if (!memoryOk) notes.push(`${limitFile} reads ${values[limitFile]?.trim() ?? 'nothing'}, expected ${memory}`);
  const swap = values[swapFile];
  if (swap === undefined) notes.push(`swap limit not verifiable (no ${swapFile}: kernel without swap accounting)`);
  else if (int(swap) !== swapExpected) {
    memoryOk = false;
    notes.push(`${swapFile} reads ${swap.trim()}, expected ${swapExpected}`);
  }

  const pidsOk = int(values['pids.max']) === spec.pidsLimit;
  if (!pidsOk) notes.push(`pids.max reads ${values['pids.max']?.trim() ?? 'nothing'}, expected ${spec.pidsLimit}`);
  return { cpus: cpusOk, memory: memoryOk, pids: pidsOk, notes };
}
