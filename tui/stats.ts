import { ErrorCode, isRpcError, type Job, type JobStats } from '#protocol';
import type { Connection } from './connection.js';

// Live CPU and memory of the selected running job: one `job.stats` call per interval (never two at
// once), a short history per job for the sparklines, dropped when the selection moves on.

export interface StatsView {
  jobId: number;
  latest: JobStats | undefined;
  cpu: number[];
  memory: number[];
}

export interface StatsSamplerOptions {
  intervalMs?: number;
  /** Samples kept for the sparklines. */
  history?: number;
  /** The job to sample: the selection, read at each tick. */
  target: () => Job | undefined;
  onChange: () => void;
}

export interface StatsSampler {
  /** The figures for `job` when they are its own and it is still running. */
  viewFor(job: Job | undefined): StatsView | undefined;
  /** Forget the last job's figures and sample the current target now (the selection moved). */
  restart(): void;
  dispose(): void;
}

export function createStatsSampler(connection: Connection, options: StatsSamplerOptions): StatsSampler {
  const history = options.history ?? 60;
  let stats: StatsView | undefined;
  let busy = false;

  async function sample(): Promise<void> {
    const job = options.target();
    if (!job || job.status !== 'running' || connection.state.kind !== 'connected' || busy) return;
    busy = true;
    try {
      const s = await connection.call('job.stats', { id: job.id });
      if (!stats || stats.jobId !== job.id) stats = { jobId: job.id, latest: undefined, cpu: [], memory: [] };
      stats.latest = s;
      stats.cpu = [...stats.cpu, s.cpuPercent].slice(-history);
      stats.memory = [...stats.memory, s.memoryBytes].slice(-history);
      options.onChange();
    } catch (e) {
      if (!(isRpcError(e) && e.code === ErrorCode.JobNotRunning)) stats = undefined;
    } finally {
      busy = false;
    }
  }
  const timer = setInterval(() => void sample(), options.intervalMs ?? 1500);

  return {
    viewFor(job) {
      return stats && job && stats.jobId === job.id && job.status === 'running' ? stats : undefined;
    },
    restart() {
      stats = undefined;
      void sample();
    },
    dispose() {
      clearInterval(timer);
    },
  };
}
