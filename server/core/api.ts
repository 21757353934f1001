// The API of core: what the rpc layer (and through it the web app) calls. Implemented by
// createJobService (job-service.ts) and createAuthService (auth.ts).
import type { Identity, Job, JobSpec, JobStats, LogEndReason, ResultOf, SystemInfo, ValidParamsOf } from '../protocol/index.js';
import type { LogFollowChunk } from './ports.js';

/** Who is calling: from the token. */
export type Caller = Identity;

/** The one access rule: a job is its owner's, and every admin's. */
export function mayAccess(caller: Caller, owner: string): boolean {
  return caller.admin || caller.user === owner;
}

export interface FollowSink {
  /** Return false when the client cannot take more (its socket buffer is over the bound): the
   * follow then ends with reason 'dropped' at that chunk's offset. */
  chunk(chunk: LogFollowChunk): boolean;
  end(reason: LogEndReason, offset: number): void;
}

export interface JobListener {
  updated(job: Job): void;
  removed(id: number): void;
}

export interface JobService {
  create(caller: Caller, spec: JobSpec): Promise<Job>;
  list(caller: Caller, params: ValidParamsOf<'job.list'>): Promise<ResultOf<'job.list'>>;
  get(caller: Caller, id: number): Promise<Job>;
  refresh(caller: Caller, id: number): Promise<Job>;
  /** Answers at once with the job stopping (or final); the final state follows as job.updated. */
  stop(caller: Caller, id: number, timeoutSeconds: number): Promise<Job>;
  /** SIGKILL now; the answer is final when Docker already shows the exit, else stopping. */
  kill(caller: Caller, id: number): Promise<Job>;
  remove(caller: Caller, id: number): Promise<ResultOf<'job.remove'>>;
  /** The caller's own finished jobs of one status (admins included), each removed as by remove. */
  removeMany(caller: Caller, params: ValidParamsOf<'job.removeMany'>): Promise<ResultOf<'job.removeMany'>>;
  /** A new job with the spec of one the caller may see, owned by the caller. */
  rerun(caller: Caller, params: ValidParamsOf<'job.rerun'>): Promise<Job>;
  logs(caller: Caller, params: ValidParamsOf<'job.logs'>): Promise<ResultOf<'job.logs'>>;
  /** Checks access, then streams; returns the cancel function. */
  follow(caller: Caller, params: ValidParamsOf<'job.follow'>, sink: FollowSink): Promise<() => void>;
  stats(caller: Caller, id: number): Promise<JobStats>;
  /** Every change of a job the caller may see, in order per job (job.updated / job.removed).
   * Returns unsubscribe. */
  subscribe(caller: Caller, listener: JobListener): () => void;
  systemInfo(): Promise<SystemInfo>;
  /** Reconcile with Docker and start following its events. */
  start(): Promise<void>;
  /** Stop timers and the event stream; wait for in-flight launches. */
  close(): Promise<void>;
}

export interface AuthService {
  /** null when the token is unknown or revoked. */
  authenticate(token: string): Promise<Caller | null>;
  /** Makes sure an admin token with this value exists (CJM_ADMIN_TOKEN). */
  ensureAdminToken(token: string, user?: string): Promise<void>;
}
