// The queue: a job that fits the capacity but not the free room waits, pending, until admission
// (admission.ts) lets it start. The queue is what the database says: a pending job with no container
// that is not being launched here. A pass reads the active jobs, admits what fits and launches it;
// passes run one at a time, and one runs after every change that can make room or move the queue
// (a job created, ended or removed; a reconcile). Positions are kept from the last pass and put into
// a queued job's progress when it is read, so a start sends one job.updated (for the job that leaves
// the queue), not one per job still waiting.
import type { Job } from '../protocol/index.js';
import { admit, type QueuedJob, type Reservation, type Resources } from './admission.js';
import type { JobLauncher } from './job-launcher.js';
import type { JobTracker, LifecycleDeps } from './job-tracker.js';
import type { ActiveJob } from './ports.js';

export interface JobQueueDeps extends LifecycleDeps {
  tracker: JobTracker;
  launcher: JobLauncher;
  /** What admission shares out: CJM_CAPACITY_* or the host's size. */
  capacity(): Promise<Resources>;
}

export interface JobQueueOptions {
  /** How long a job that does not fit lets smaller ones start past it (see admission.ts). */
  backfillWaitMs: number;
  /** A pass that failed (database or Docker down) is tried again after this long. */
  retryIntervalMs: number;
  /** Least time from one pass's start to the next when calls come in while a pass runs (a burst of
   * creates asks for one pass each, and each pass reads every active job); a call in a quiet spell
   * still gets its pass at once. 0: back to back. */
  passGapMs: number;
}

export interface QueueState {
  allocated: Resources;
  queued: number;
}

export interface JobQueue {
  /** Runs admission; resolves once a pass that began after this call is over (it never rejects). */
  schedule(): Promise<void>;
  /** The job as clients see it: a queued job's progress says its place. */
  present(job: Job): Job;
  /** As of the last pass. */
  state(): QueueState;
  close(): void;
}

export function createJobQueue(deps: JobQueueDeps, options: JobQueueOptions): JobQueue {
  const { store, clock, logger, bus, tracker, launcher } = deps;
  /** Queued job id -> position (from 1), in service order, as of the last pass. */
  let positions = new Map<number, number>();
  let allocated: Resources = { cpus: 0, memoryMb: 0 };
  /** Per user, the sequence number of their last admission: equal turns go to who waited longest. */
  const lastServed = new Map<string, number>();
  let served = 0;
  let current: Promise<void> | null = null;
  let lastStart = -Infinity;
  let next: Promise<void> | null = null;
  let cancelRetry: (() => void) | null = null;
  let closed = false;

  async function pass(): Promise<void> {
    // Taken before the read: a launch that ends meanwhile has already stored what it did, and so has
    // a job whose end was being stored.
    const launching = new Set(launcher.launchingIds());
    const ending = new Set(tracker.ending);
    const [capacity, active] = await Promise.all([deps.capacity(), store.listActiveBrief()]);
    const reserved: Reservation[] = [];
    const queued: QueuedJob[] = [];
    for (const job of active) {
      if (ending.has(job.id)) continue; // its container is dead: no room held
      if (isQueued(job, launching)) {
        queued.push({ id: job.id, owner: job.owner, cpus: job.cpus, memoryMb: job.memoryMb, createdAt: job.createdAtMs });
      } else {
        reserved.push({ owner: job.owner, cpus: job.cpus, memoryMb: job.memoryMb });
      }
    }
    const result = admit({ capacity, reserved, queued, lastServed, now: clock.now().getTime(), backfillWaitMs: options.backfillWaitMs });
    const before = positions;
    positions = new Map(result.waiting.map((j, i) => [j.id, i + 1]));
    allocated = result.allocated;
    for (const j of result.admit) lastServed.set(j.owner, ++served);
    // One job.updated as a job enters the queue (its position) and one as it leaves it (the launch's
    // own updates follow). Inside the job's queue, re-read: a kill may have ended it meanwhile.
    await Promise.all([
      ...result.admit.map((j) =>
        tracker.queue.run(j.id, async () => {
          const job = await store.get(j.id);
          if (closed || !job || !isQueued(job, new Set()) || launcher.isLaunching(job.id) || tracker.isForgotten(job.id)) return;
          bus.updated(job);
          launcher.launch(job);
        }),
      ),
      ...result.waiting
        .filter((j) => !before.has(j.id))
        .map((j) =>
          tracker.queue.run(j.id, async () => {
            const job = await store.get(j.id);
            if (closed || !job || tracker.isForgotten(job.id)) return;
            const shown = present(job);
            if (shown !== job) bus.updated(shown);
          }),
        ),
    ]);
  }

  function isQueued(job: Pick<ActiveJob, 'id' | 'status' | 'containerId'>, launching: ReadonlySet<number>): boolean {
    return job.status === 'pending' && !job.containerId && !launching.has(job.id);
  }

  function present(job: Job): Job {
    if (job.status !== 'pending' || job.containerId || launcher.isLaunching(job.id)) return job;
    const position = positions.get(job.id);
    return { ...job, progress: position === undefined ? 'queued' : `queued: position ${position} of ${positions.size}` };
  }

  function start(): Promise<void> {
    cancelRetry?.();
    cancelRetry = null;
    lastStart = clock.now().getTime();
    const p = pass()
      .catch((err: unknown) => {
        logger.warn({ err }, 'admitting queued jobs failed; trying again');
        if (!closed && !cancelRetry) cancelRetry = clock.setTimer(options.retryIntervalMs, () => void schedule());
      })
      .finally(() => {
        if (current === p) current = null;
      });
    current = p;
    return p;
  }

  function schedule(): Promise<void> {
    if (closed) return Promise.resolve();
    if (next) return next;
    if (!current) return start();
    // One pass at a time; every call during one shares the next, which keeps its distance.
    next = current
      .then(() => {
        const wait = lastStart + options.passGapMs - clock.now().getTime();
        return wait > 0 ? new Promise<void>((resolve) => clock.setTimer(wait, resolve)) : undefined;
      })
      .then(() => {
        next = null;
        return closed ? undefined : start();
      });
    return next;
  }

  return {
    schedule,
    present,
    state: () => ({ allocated, queued: positions.size }),
    close() {
      closed = true;
      cancelRetry?.();
    },
  };
}
