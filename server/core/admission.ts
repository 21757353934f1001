// Admission as a pure function: which queued jobs may start now, given the capacity and what running
// and starting jobs reserve. No I/O; job-queue.ts feeds it from the database.
//
// Order: round-robin between users that counts what they already run; each user's own jobs first come
// first served. A job's turn is the number of jobs its user holds (running or starting) plus the
// number of that user's jobs ahead of it in the queue; lower turns go first. Equal turns go to the
// user served least recently, then in created order (id). So a user with nothing running goes before
// the next job of a user who has one, and two users with nothing running take turns: one user's 1,000
// jobs never starve another's single job. Who was served last is the only thing not in the database;
// after a restart equal turns fall back to created order.
//
// Backfill, bounded by time: a job that does not fit yet lets later (smaller) jobs start past it only
// while it has waited less than `backfillWaitMs`. After that nothing starts ahead of it until it has
// started, so its wait is bounded by backfillWaitMs plus the time running jobs take to make room.

export interface Resources {
  cpus: number;
  memoryMb: number;
}

export interface QueuedJob extends Resources {
  id: number;
  owner: string;
  /** ms since the epoch; how long the job has waited is measured from here. */
  createdAt: number;
}

export interface Reservation extends Resources {
  owner: string;
}

export interface AdmissionInput {
  capacity: Resources;
  /** What running and starting jobs hold. */
  reserved: readonly Reservation[];
  /** The queue in any order; queueOrder decides. */
  queued: readonly QueuedJob[];
  /** Per user, when a job of theirs was last admitted (any increasing number); missing = never. */
  lastServed?: ReadonlyMap<string, number>;
  now: number;
  backfillWaitMs: number;
}

export interface Admission {
  /** The jobs to start now, in the order they were admitted. */
  admit: QueuedJob[];
  /** Those left waiting, in service order (position 1 first). */
  waiting: QueuedJob[];
  /** Reserved after admitting. */
  allocated: Resources;
}

// Sums of cpus with decimals (0.1 + 0.2) must not refuse a job that fits exactly.
const epsilon = 1e-9;

export function sum(items: readonly Resources[]): Resources {
  let cpus = 0;
  let memoryMb = 0;
  for (const r of items) {
    cpus += r.cpus;
    memoryMb += r.memoryMb;
  }
  return { cpus, memoryMb };
}

export function fits(job: Resources, free: Resources): boolean {
  return job.cpus <= free.cpus + epsilon && job.memoryMb <= free.memoryMb + epsilon;
}

/** The service order: by turn (jobs the user holds + the user's jobs queued ahead), then the user
 * served least recently, then by id. */
export function queueOrder(queued: readonly QueuedJob[], reserved: readonly Reservation[] = [], lastServed: ReadonlyMap<string, number> = new Map()): QueuedJob[] {
  const byId = [...queued].sort((a, b) => a.id - b.id);
  const turnOf = new Map<string, number>();
  for (const r of reserved) turnOf.set(r.owner, (turnOf.get(r.owner) ?? 0) + 1);
  const ranked = byId.map((job) => {
    const rank = turnOf.get(job.owner) ?? 0;
    turnOf.set(job.owner, rank + 1);
    return { job, rank };
  });
  const served = (owner: string) => lastServed.get(owner) ?? -Infinity;
  ranked.sort((a, b) => a.rank - b.rank || served(a.job.owner) - served(b.job.owner) || a.job.id - b.job.id);
  return ranked.map((r) => r.job);
}

export function admit(input: AdmissionInput): Admission {
  const used = sum(input.reserved);
  const free = { cpus: input.capacity.cpus - used.cpus, memoryMb: input.capacity.memoryMb - used.memoryMb };
  const admitted: QueuedJob[] = [];
  const waiting: QueuedJob[] = [];
  let blocked = false;
  for (const job of queueOrder(input.queued, input.reserved, input.lastServed)) {
    if (!blocked && fits(job, free)) {
      admitted.push(job);
      free.cpus -= job.cpus;
      free.memoryMb -= job.memoryMb;
      continue;
    }
    waiting.push(job);
    // A job that has waited its backfill window holds every later one back until it starts.
    if (!blocked && input.now - job.createdAt >= input.backfillWaitMs) blocked = true;
  }
  return {
    admit: admitted,
    waiting,
    allocated: { cpus: input.capacity.cpus - free.cpus, memoryMb: input.capacity.memoryMb - free.memoryMb },
  };
}
