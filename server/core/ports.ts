// The interfaces core needs from the outside world. Adapters implement them; core never imports one.
import type { Enforced, ExitReason, FinishedStatus, Job, JobSpec, JobStatus, LogEndReason, LogStream, SystemInfo, JobStats } from '../protocol/index.js';

export interface Clock {
  now(): Date;
  /** Run fn after ms; returns a cancel function. */
  setTimer(ms: number, fn: () => void): () => void;
}

export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

// ---------------------------------------------------------------- state (MySQL)

export interface NewJob extends JobSpec {
  owner: string;
  createdAt: Date;
}

/** Fields the service changes after insert. */
export type JobPatch = Partial<
  Pick<Job, 'status' | 'reason' | 'exitCode' | 'containerId' | 'enforced' | 'progress' | 'ip'> & {
    startedAt: Date | null;
    finishedAt: Date | null;
  }
>;

/** An active job as admission sees it. */
export type ActiveJob = Pick<Job, 'id' | 'owner' | 'status' | 'containerId' | 'cpus' | 'memoryMb'> & {
  /** Job.createdAt in ms since the epoch: every admission pass reads every queued job's. */
  createdAtMs: number;
};

export interface JobQuery {
  /** null = every owner (admin). */
  owner: string | null;
  status?: JobStatus;
  search?: string;
  limit: number;
  /** Return jobs with id < beforeId (newest first). */
  beforeId?: number;
}

export type JobCountQuery = Omit<JobQuery, 'limit' | 'beforeId'>;

/** Finished jobs to clear (job.removeMany, the retention sweep). */
export interface FinishedQuery {
  /** null = every owner (the retention sweep). */
  owner: string | null;
  statuses: readonly FinishedStatus[];
  /** Only jobs with finishedAt before this. */
  finishedBefore?: Date;
  limit: number;
  /** Return jobs with id < beforeId (newest first), for paging. */
  beforeId?: number;
}

export interface JobStore {
  /** Throws NameTakenError when the name exists. */
  insert(job: NewJob): Promise<Job>;
  get(id: number): Promise<Job | null>;
  list(query: JobQuery): Promise<Job[]>;
  /** How many jobs `list` would return over all its pages from the first (the filter without the
   * cursor and the page size), counted up to `cap` when given: then `capped` says there may be more. */
  count(query: JobCountQuery, cap?: number): Promise<{ total: number; capped: boolean }>;
  /** Jobs the reconciler must look at: pending or running. */
  listActive(): Promise<Job[]>;
  /** The same jobs, oldest first, with only what admission needs (it reads them after every change). */
  listActiveBrief(): Promise<ActiveJob[]>;
  /** Applies the patch only while the job's status is one of `whenStatus` (if given); returns the job
   * as read just after the update, or null if no row matched (gone, or status moved on). Not one
   * transaction: callers serialise a job's writes (the lifecycle's keyed queue). */
  update(id: number, patch: JobPatch, whenStatus?: readonly JobStatus[]): Promise<Job | null>;
  delete(id: number): Promise<boolean>;
  /** Which of these names are taken (compared as the unique key does: without regard to case). */
  takenNames(names: readonly string[]): Promise<string[]>;
  listFinished(query: FinishedQuery): Promise<Job[]>;
  /** Totals over a user's pending+running jobs, for quotas. */
  usage(owner: string): Promise<{ jobs: number; cpus: number; memoryMb: number }>;
}

export interface TokenRecord {
  id: number;
  user: string;
  admin: boolean;
  createdAt: Date;
  revokedAt: Date | null;
}

export interface TokenStore {
  /** Looks a token up by its hash; revoked tokens are not returned. */
  findByHash(hash: string): Promise<TokenRecord | null>;
  /** Inserts unless the hash exists; returns the record. */
  ensure(hash: string, user: string, admin: boolean): Promise<TokenRecord>;
  list(): Promise<TokenRecord[]>;
  revoke(id: number): Promise<boolean>;
}

// ---------------------------------------------------------------- runtime (Docker)

export interface ContainerState {
  running: boolean;
  /** Docker's status string: created, running, exited, dead, ...; or 'pending' (below), or 'rejected':
   * the runtime refused to run it (swarm rejected its task), `error` says why, and the job ends error. */
  status: string;
  exitCode: number | null;
  oomKilled: boolean;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** Docker's State.Error, if any. */
  error: string | null;
  /** The container's bridge address while it runs; null otherwise (or with network none). */
  ip: string | null;
  /** With status 'pending': the runtime holds the job but runs it nowhere yet (swarm: no node fits
   * now), and says why; the job stays pending with this as its progress. */
  progress?: string;
  /** What the runtime verified of limits it applied itself, for a job it held for room and started
   * later (swarm): the job's `enforced` once it is seen running. */
  enforced?: Enforced;
}

export interface ManagedContainer {
  containerId: string;
  /** From the cjm.job-id label; null if the label is missing or not a number. */
  jobId: number | null;
}

export type RuntimeEvent =
  | { type: 'start'; containerId: string; jobId: number | null }
  | { type: 'die'; containerId: string; jobId: number | null; exitCode: number | null }
  | { type: 'oom'; containerId: string; jobId: number | null }
  | { type: 'destroy'; containerId: string; jobId: number | null }
  /** The event stream (re)connected; events may have been missed, so reconcile. */
  | { type: 'resync' };

export interface RuntimeEventStream {
  close(): void;
}

/** What Docker says about the host; the service adds its version and the queue's figures. */
export type HostInfo = Omit<SystemInfo, 'version' | 'allocated' | 'queued'>;

export interface JobRuntime {
  /** Whether jobs may carry placement constraints (JobSpec constraints): the swarm runtime only. */
  readonly placement?: boolean;
  /** The spec fields this runtime cannot honour, each with why (job.create answers -32602 naming them). */
  unsupported?(spec: JobSpec): { field: string; reason: string }[];
  /** Cheap reachability check (Docker's /_ping); throws DockerUnavailableError. */
  ping(): Promise<void>;
  /** Pulls the image if it is not present, reporting progress ("pulling image 45%").
   * Throws ImageUnavailableError naming the image and the cause. */
  ensureImage(image: string, onProgress: (progress: string) => void): Promise<void>;
  /** Creates (not starts) the container with the job's limits, security defaults and labels. While
   * the call waits its turn at a busy Docker it reports so through onProgress, which it awaits. */
  create(job: Job, onProgress?: (progress: string) => unknown): Promise<string>;
  /** Starts it and returns what was verified in effect (cgroup read-back). A state with status
   * 'pending' means it is accepted but waits for room; its start shows up later as a `start` event. */
  start(containerId: string, job: Job): Promise<{ enforced: Enforced; state: ContainerState }>;
  /** null when the container does not exist. */
  inspect(containerId: string): Promise<ContainerState | null>;
  /** SIGTERM, then SIGKILL after timeoutSeconds. No error if already stopped or gone. */
  stop(containerId: string, timeoutSeconds: number): Promise<void>;
  /** SIGKILL now. No error if already stopped or gone. */
  kill(containerId: string): Promise<void>;
  /** Force-removes; no error if gone. */
  remove(containerId: string): Promise<void>;
  /** The job is final, its exit stored and its log complete: the runtime may let go of its
   * container (swarm removes the service). Afterwards inspect may answer null; remove still succeeds.
   * No error if gone. Runtimes that keep finished containers until job.remove leave it out. */
  release?(containerId: string): Promise<void>;
  listManaged(): Promise<ManagedContainer[]>;
  /** Removes the per-user networks no container refers to (left by a killed server); returns their
   * names. */
  pruneNetworks(): Promise<string[]>;
  /** Docker's event stream for managed containers, reconnecting when dockerd restarts (emits
   * `resync` on every (re)connect). `oom` may repeat; the consumer de-duplicates. */
  events(handler: (event: RuntimeEvent) => void): RuntimeEventStream;
  info(): Promise<HostInfo>;
  stats(containerId: string, cpusLimit: number): Promise<JobStats>;
  /** Output of the container as chunks. mode 'attach' (default without since): live, from before
   * start; 'logs' (default with since): Docker's stored log with timestamps, to resume a capture. */
  attachOutput(containerId: string, options: { since?: Date; mode?: 'attach' | 'logs' }): Promise<OutputSource>;
}

/** A source of a container's output, in order. `time` is Docker's timestamp when the source knows it
 * (logs with timestamps), else the time it was received. */
export interface OutputChunk {
  stream: LogStream;
  data: Buffer;
  time: Date;
}
export interface OutputSource {
  [Symbol.asyncIterator](): AsyncIterator<OutputChunk>;
  close(): void;
}

// ---------------------------------------------------------------- logs (files under CJM_DATA_DIR)

export interface LogTail {
  text: string;
  /** With timestamps, each chunk has `at` and chunks split where the time changes. */
  chunks: { stream: LogStream; text: string; at?: string }[];
  size: number;
  truncated: boolean;
}

export interface LogFollowChunk {
  stream: LogStream;
  data: string;
  offset: number;
  nextOffset: number;
  /** When the first byte of data was received (ISO 8601). */
  at: string;
}

export interface LogStore {
  /** Starts capturing a job's output (called after create, before start, so nothing is missed; and
   * at server start for running jobs, resuming where the stored log ends). Resolves once attached.
   * `created`: the caller has just created the container and not started it (the launch), so the
   * capture attaches without asking Docker first. */
  capture(job: Job, containerId: string, options?: { created?: boolean }): Promise<void>;
  /** Resolves when capture of the job has drained (its container ended and all output is stored). */
  drained(jobId: number): Promise<void>;
  /** Whether the job's capture has ended for good: its container's output is all stored, and the
   * container is no longer needed to resume it. */
  complete(jobId: number): Promise<boolean>;
  tail(jobId: number, tailBytes: number, stream: 'all' | LogStream, timestamps?: boolean): Promise<LogTail>;
  /** Calls onChunk for stored output from fromOffset (default: the end) and for new output as it
   * arrives; onEnd when the job's capture finishes or the follow is dropped for falling behind. */
  follow(
    jobId: number,
    fromOffset: number | undefined,
    onChunk: (chunk: LogFollowChunk) => boolean,
    onEnd: (reason: LogEndReason, offset: number) => void,
  ): () => void;
  /** Deletes the job's data directory. */
  remove(jobId: number): Promise<void>;
  close(): Promise<void>;
}

export type { ExitReason };
