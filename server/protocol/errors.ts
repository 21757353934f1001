// The one table of error codes. README's table is checked against it by test/unit/readme-errors.test.ts.
import { z } from 'zod';

/** What the error table knows of a method to say which errors it can answer. */
export interface MethodTraits {
  name: string;
  /** Callable before authentication. */
  public: boolean;
  /** Its parameter names. */
  params: readonly string[];
}

export interface ErrorInfo {
  readonly code: number;
  readonly name: string;
  /** The generic message sent when no more specific one applies. */
  readonly message: string;
  /** When a client sees it; goes into README and the OpenRPC document. */
  readonly when: string;
  /** The methods that can answer it (the OpenRPC document lists it under theirs); absent: it is
   * about the frame, not a method. */
  readonly appliesTo?: (m: MethodTraits) => boolean;
}

const every = () => true;
const authenticated = (m: MethodTraits) => !m.public;
const takesJobId = (m: MethodTraits) => m.params.includes('id');

export const errorTable = [
  { code: -32700, name: 'ParseError', message: 'Parse error', when: 'the frame is not valid JSON' },
  { code: -32600, name: 'InvalidRequest', message: 'Invalid request', when: 'the frame is not a JSON-RPC 2.0 request, is an empty batch, or is over 1 MiB' },
  { code: -32601, name: 'MethodNotFound', message: 'Method not found', when: 'the method does not exist' },
  { code: -32602, name: 'InvalidParams', message: 'Invalid params', when: 'a parameter is missing or wrong; `data: {field, reason}` names the first, `data.errors: [{field, reason}]` every one', appliesTo: every },
  { code: -32603, name: 'InternalError', message: 'Internal error', when: 'an unexpected server fault; the cause is logged on the server, never sent', appliesTo: every },
  { code: 4001, name: 'Unauthenticated', message: 'Not authenticated', when: 'no valid token was presented (Bearer header or `auth.login`)', appliesTo: (m: MethodTraits) => authenticated(m) || m.params.includes('token') },
  { code: 4004, name: 'JobNotFound', message: 'Job not found', when: 'no such job, or it belongs to another user', appliesTo: takesJobId },
  { code: 4009, name: 'NameTaken', message: 'Job name already taken', when: '`job.create` with a name another job has', appliesTo: (m: MethodTraits) => m.params.includes('name') },
  // Also the per-connection rate limit, which any call can meet.
  { code: 4029, name: 'QuotaExceeded', message: 'Quota exceeded', when: 'a per-user quota or the host capacity would be exceeded; the message says which and the numbers', appliesTo: every },
  { code: 4090, name: 'JobNotRunning', message: 'Job is not running', when: '`job.stats` on a job that is not running', appliesTo: (m: MethodTraits) => m.name === 'job.stats' },
  { code: 4091, name: 'StatsUnavailable', message: 'Stats are not available for this job', when: '`job.stats` under the swarm runtime for a job whose task runs on another node than the manager cjm talks to', appliesTo: (m: MethodTraits) => m.name === 'job.stats' },
  { code: 5003, name: 'DockerUnavailable', message: 'Docker is unreachable', when: 'the Docker daemon does not answer', appliesTo: (m: MethodTraits) => authenticated(m) && m.name !== 'job.unfollow' },
  { code: 5004, name: 'DatabaseUnavailable', message: 'Database is unreachable', when: 'MySQL/MariaDB does not answer', appliesTo: (m: MethodTraits) => (authenticated(m) && m.name !== 'job.unfollow') || m.params.includes('token') },
] as const satisfies readonly ErrorInfo[];

type ErrorEntry = (typeof errorTable)[number];
export type ErrorCodeName = ErrorEntry['name'];
export type ErrorCodeValue = ErrorEntry['code'];

/** The codes by name, read from the table: `ErrorCode.JobNotFound` is 4004. */
export const ErrorCode = Object.freeze(Object.fromEntries(errorTable.map((e) => [e.name, e.code]))) as {
  readonly [E in ErrorEntry as E['name']]: E['code'];
};

const fieldProblem = z.object({ field: z.string().describe('The parameter, dotted for nested ones (env.PATH, argv.0)'), reason: z.string() });
/** -32602's `data`: the first bad field, and where the server reports them, every bad field. */
export const invalidParamsDataSchema = fieldProblem.extend({
  errors: z.array(fieldProblem).optional().describe('Every bad field, the first one included'),
});
export type InvalidParamsData = z.infer<typeof invalidParamsDataSchema>;

/** -32602's data: the first bad field, and (v1.1) every bad field. */
export interface InvalidParamsErrorData extends InvalidParamsData {
  errors: InvalidParamsData[];
}

/** An error that goes to the client as-is: its code comes from the table, its message is safe to show. */
export class RpcError extends Error {
  readonly code: ErrorCodeValue;
  readonly data: unknown;

  constructor(code: ErrorCodeValue, message?: string, data?: unknown, options?: { cause?: unknown }) {
    super(message ?? errorInfo(code).message, options);
    this.name = 'RpcError';
    this.code = code;
    this.data = data;
  }
}

export function errorInfo(code: number): ErrorInfo {
  const info = errorTable.find((e) => e.code === code);
  if (!info) throw new Error(`unknown error code ${code}`);
  return info;
}

export function invalidParams(field: string, reason: string): RpcError {
  return invalidParamsList([{ field, reason }]);
}

/** -32602 for one or more bad fields: message and `field`/`reason` name the first. */
export function invalidParamsList(problems: readonly InvalidParamsData[]): RpcError {
  const errors = problems.length ? [...problems] : [{ field: 'params', reason: 'invalid' }];
  const first = errors[0]!;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  const data: InvalidParamsErrorData = { field: first.field, reason: first.reason, errors };
  return new RpcError(ErrorCode.InvalidParams, `Invalid params: ${first.field}: ${first.reason}${more}`, data);
}

export function isRpcError(e: unknown): e is RpcError {
  return e instanceof RpcError;
}

// `instanceof RpcError` needs one copy of this module per process. The server imports it by path and
// the TUI and web by `#protocol`; a source run without `--conditions=cjm-source` would take the
// second from dist/. Refuse that at load rather than misreport every error.
const loadedFrom = Symbol.for('cjm.protocol.errors');
const registry = globalThis as { [loadedFrom]?: string };
if (registry[loadedFrom] !== undefined && registry[loadedFrom] !== import.meta.url) {
  throw new Error(`server/protocol loaded twice (${registry[loadedFrom]} and ${import.meta.url}): run sources with --conditions=cjm-source`);
}
registry[loadedFrom] = import.meta.url;
