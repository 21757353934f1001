import { z } from 'zod';
import {
  jobSpecSchema,
  jobSchema,
  jobListParamsSchema,
  jobListResultSchema,
  jobIdParamsSchema,
  jobStopParamsSchema,
  jobRemoveResultSchema,
  jobRerunParamsSchema,
  jobRemoveManyParamsSchema,
  jobRemoveManyResultSchema,
} from './job.js';
import {
  jobLogsParamsSchema,
  jobLogsResultSchema,
  jobFollowParamsSchema,
  subscriptionResultSchema,
  unfollowParamsSchema,
  okResultSchema,
  jobStatsResultSchema,
  jobLogNotificationSchema,
  jobLogEndNotificationSchema,
} from './logs.js';
import { emptyParamsSchema, systemInfoResultSchema, pingResultSchema, authLoginParamsSchema, authLoginResultSchema } from './system.js';

interface MethodDef<P extends z.ZodType, R extends z.ZodType> {
  params: P;
  result: R;
  summary: string;
  /** Callable before authentication. */
  public?: boolean;
}

const def = <P extends z.ZodType, R extends z.ZodType>(d: MethodDef<P, R>) => d;

/** Every method of the contract: the server validates with these, the OpenRPC document and the typed
 * client derive from them. */
export const methods = {
  'job.create': def({ params: jobSpecSchema, result: jobSchema, summary: 'Store a job (status pending) and start it in the background; progress arrives as job.updated' }),
  'job.list': def({ params: jobListParamsSchema, result: jobListResultSchema, summary: 'List jobs, newest first, a page at a time' }),
  'job.get': def({ params: jobIdParamsSchema, result: jobSchema, summary: 'One job' }),
  'job.refresh': def({ params: jobIdParamsSchema, result: jobSchema, summary: 'Re-read a job\'s state from Docker' }),
  'job.stop': def({ params: jobStopParamsSchema, result: jobSchema, summary: 'SIGTERM, then SIGKILL after timeoutSeconds; the container is kept. Answers at once with the job stopping (progress "stopping"); the final state follows as job.updated. Idempotent on a stopping or finished job' }),
  'job.kill': def({ params: jobIdParamsSchema, result: jobSchema, summary: 'SIGKILL now (also ends a slow stop): exited/stopped, exit code 137; the container is kept. Idempotent on a finished job' }),
  'job.remove': def({ params: jobIdParamsSchema, result: jobRemoveResultSchema, summary: 'Remove the container, the record and the log data. Irreversible' }),
  'job.rerun': def({ params: jobRerunParamsSchema, result: jobSchema, summary: 'Create a new job with the spec of one you may see, owned by you; answers like job.create' }),
  'job.removeMany': def({ params: jobRemoveManyParamsSchema, result: jobRemoveManyResultSchema, summary: 'Remove your finished jobs of one status (optionally only those finished at least olderThanSeconds ago), as job.remove does each' }),
  'job.logs': def({ params: jobLogsParamsSchema, result: jobLogsResultSchema, summary: 'The last tailBytes of a job\'s output; with timestamps, each chunk says when cjm received it' }),
  'job.follow': def({ params: jobFollowParamsSchema, result: subscriptionResultSchema, summary: 'Stream output as job.log notifications until job.logEnd or job.unfollow' }),
  'job.unfollow': def({ params: unfollowParamsSchema, result: okResultSchema, summary: 'Stop a follow' }),
  'job.stats': def({ params: jobIdParamsSchema, result: jobStatsResultSchema, summary: 'Live resource use of a running job' }),
  'events.subscribe': def({ params: emptyParamsSchema, result: subscriptionResultSchema, summary: 'Receive job.updated for every change of a job you may see' }),
  'system.info': def({ params: emptyParamsSchema, result: systemInfoResultSchema, summary: 'Server, Docker and host capacity, and which limits this host enforces' }),
  'system.ping': def({ params: emptyParamsSchema, result: pingResultSchema, summary: 'Liveness', public: true }),
  'auth.login': def({ params: authLoginParamsSchema, result: authLoginResultSchema, summary: 'Authenticate this connection with a token', public: true }),
  'rpc.discover': def({ params: emptyParamsSchema, result: z.record(z.string(), z.unknown()), summary: 'This OpenRPC document', public: true }),
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
/** What a caller sends (defaults optional). */
export type ParamsOf<M extends MethodName> = z.input<Methods[M]['params']>;
/** What the server sees after validation (defaults filled). */
export type ValidParamsOf<M extends MethodName> = z.output<Methods[M]['params']>;
export type ResultOf<M extends MethodName> = z.output<Methods[M]['result']>;

export const methodNames = Object.keys(methods) as MethodName[];

export const notifications = {
  'job.updated': z.object({ job: jobSchema }),
  /** A job was removed (job.remove); drop it from views. */
  'job.removed': z.object({ id: z.number().int() }),
  'job.log': jobLogNotificationSchema,
  'job.logEnd': jobLogEndNotificationSchema,
} as const;
export type NotificationName = keyof typeof notifications;
export type NotificationOf<N extends NotificationName> = z.output<(typeof notifications)[N]>;

/** The contract as an object: the typed client implements it, the web app is given one. */
export interface CjmApi {
  call<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>>;
  on<N extends NotificationName>(name: N, handler: (params: NotificationOf<N>) => void): () => void;
}
