// One docker stats sample -> JobStats, computed the way the docker CLI does. Pure.
import type { JobStats } from '../../protocol/index.js';

/** The parts of Docker's stats JSON used here (cgroup v1 and v2 shapes). */
export interface DockerStatsSample {
  cpu_stats?: { cpu_usage?: { total_usage?: number; percpu_usage?: number[] | null }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  pids_stats?: { current?: number };
  blkio_stats?: { io_service_bytes_recursive?: { op?: string; value?: number }[] | null };
}

export function cpuPercent(sample: DockerStatsSample): number {
  const cpu = sample.cpu_stats;
  const pre = sample.precpu_stats;
  const cpuDelta = (cpu?.cpu_usage?.total_usage ?? 0) - (pre?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (cpu?.system_cpu_usage ?? 0) - (pre?.system_cpu_usage ?? 0);
  const online = cpu?.online_cpus || cpu?.cpu_usage?.percpu_usage?.length || 1;
  if (cpuDelta <= 0 || systemDelta <= 0) return 0;
  return (cpuDelta / systemDelta) * online * 100;
}

/** Usage minus inactive page cache, like `docker stats` (v1: total_inactive_file; v2: inactive_file). */
export function memoryUsage(memory: DockerStatsSample['memory_stats']): number {
  const usage = memory?.usage ?? 0;
  const stats = memory?.stats ?? {};
  const v1 = stats['total_inactive_file'];
  if (v1 !== undefined) return v1 < usage ? usage - v1 : usage;
  const v2 = stats['inactive_file'];
  if (v2 !== undefined && v2 < usage) return usage - v2;
  return usage;
}

export function blkioBytes(sample: DockerStatsSample): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const entry of sample.blkio_stats?.io_service_bytes_recursive ?? []) {
    const op = entry.op?.toLowerCase();
    if (op === 'read') read += entry.value ?? 0;
    else if (op === 'write') write += entry.value ?? 0;
  }
  return { read, write };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

export function computeStats(sample: DockerStatsSample, cpusLimit: number, at: Date): JobStats {
  const percent = cpuPercent(sample);
  const blkio = blkioBytes(sample);
  return {
    cpuPercent: round2(percent),
    cpuPercentOfLimit: round2(cpusLimit > 0 ? percent / cpusLimit : 0),
    memoryBytes: memoryUsage(sample.memory_stats),
    memoryLimitBytes: sample.memory_stats?.limit ?? 0,
    pids: sample.pids_stats?.current ?? 0,
    blkioReadBytes: blkio.read,
    blkioWriteBytes: blkio.write,
    at: at.toISOString(),
  };
}
