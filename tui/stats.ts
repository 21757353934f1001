import { ErrorCode, isRpcError, type Job, type JobStats } from '#protocol';
import type { Connection } from './connection.js';
import { createRing, type Ring } from './ring.js';

// Live CPU and memory of the selected running job: one `job.stats` call per interval (never two at
// once), for the selection only, so the cost does not grow with the number of running jobs. Each
// job sampled keeps its own ring (the last few minutes), so moving the selection away and back
// finds the chart where it was; the rings themselves are bounded in number, least recently sampled
// dropped first.

export interface StatsView {
  jobId: number;
  latest: JobStats | undefined;
  /** Percent of the job's CPU limit, oldest first. */
  cpu: number[];
  /** Bytes, oldest first (the limit is `latest.memoryLimitBytes`). */
  memory: number[];
  /** Seconds each sample was taken before the latest one, oldest first. */
  ago: number[];
}

export interface StatsSamplerOptions {
  intervalMs?: number;
  /** Samples kept per job: 120 at the default 1.5 s is the last 3 minutes. */
  history?: number;
  /** Jobs whose rings are kept. */
  jobs?: number;
  /** The job to sample: the selection, read at each tick. */
  target: () => Job | undefined;
  onChange: () => void;
}

export interface StatsSampler {
  /** The figures for `job` when it is still running. */
  viewFor(job: Job | undefined): StatsView | undefined;
  /** Sample the current target now (the selection moved). */
  restart(): void;
  dispose(): void;
}


export function createStatsSampler(connection: Connection, options: StatsSamplerOptions): StatsSampler {
  const history = options.history ?? 120;
  const maxJobs = options.jobs ?? 32;
  const series = new Map<number, Ring<JobStats>>();
  let busy = false;

  function record(id: number, s: JobStats): void {
    const known = series.get(id) ?? createRing<JobStats>(history);
    known.push(s);
    // Re-inserted so the map's order is least recently sampled first.
    series.delete(id);
    series.set(id, known);
    for (const old of series.keys()) {
      if (series.size <= maxJobs) break;
      series.delete(old);
    }
  }

  async function sample(): Promise<void> {
    const job = options.target();
    if (!job || job.status !== 'running' || connection.state.kind !== 'connected' || busy) return;
    busy = true;
    try {
      record(job.id, await connection.call('job.stats', { id: job.id }));
      options.onChange();
    } catch (e) {
      // Not running any more: its chart goes with it; any other failure shows no stale figures.
      series.delete(job.id);
      if (!(isRpcError(e) && e.code === ErrorCode.JobNotRunning)) options.onChange();
    } finally {
      busy = false;
    }
  }
  const timer = setInterval(() => void sample(), options.intervalMs ?? 1500);

  return {
    viewFor(job) {
      const samples = job && job.status === 'running' ? series.get(job.id)?.values() : undefined;
      const latest = samples?.at(-1);
      if (!job || !samples || !latest) return undefined;
      const end = Date.parse(latest.at);
      return { jobId: job.id, latest, cpu: samples.map((s) => s.cpuPercentOfLimit), memory: samples.map((s) => s.memoryBytes), ago: samples.map((s) => (end - Date.parse(s.at)) / 1000) };
    },
    restart() {
      void sample();
    },
    dispose() {
      clearInterval(timer);
    },
  };
}
