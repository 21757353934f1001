// Classifies dockerode failures: socket trouble becomes DockerUnavailableError (5003), Docker's own
// refusals keep a cleaned message that is safe to show as a job's reason.
import { DockerUnavailableError } from '../../core/errors.js';

const socketCodes = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'EPERM', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

export interface DockerErrorShape {
  code?: unknown;
  statusCode?: unknown;
  json?: unknown;
  message?: unknown;
}

function shape(err: unknown): DockerErrorShape {
  return typeof err === 'object' && err !== null ? (err as DockerErrorShape) : {};
}

export function statusCodeOf(err: unknown): number | null {
  const code = shape(err).statusCode;
  return typeof code === 'number' ? code : null;
}

export function isConnectionError(err: unknown): boolean {
  if (err instanceof DockerUnavailableError) return true;
  const e = shape(err);
  if (typeof e.code === 'string' && socketCodes.has(e.code)) return true;
  // docker-modem reports a dial through a dead socket file as a plain Error with the syscall text.
  const message = typeof e.message === 'string' ? e.message : '';
  return /connect (ECONNREFUSED|ENOENT|EACCES)|socket hang up/.test(message);
}

/** Docker's message without docker-modem's "(HTTP code 400) bad parameter - " prefix, control
 * characters or unbounded length. */
export function cleanDockerMessage(err: unknown): string {
  const e = shape(err);
  const json = e.json as { message?: unknown } | null | undefined;
  let text = typeof json?.message === 'string' ? json.message : typeof e.message === 'string' ? e.message : String(err);
  text = text.replace(/^\(HTTP code \d+\)\s*[^-]*-\s*/, '');
  // eslint-disable-next-line no-control-regex
  text = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return text.length > 300 ? `${text.slice(0, 297)}...` : text || 'unknown Docker error';
}

/** Rethrows socket failures as DockerUnavailableError; anything else via orElse. */
export function mapDockerError(err: unknown, orElse: (err: unknown) => Error = (e) => (e instanceof Error ? e : new Error(String(e)))): Error {
  if (isConnectionError(err)) return err instanceof DockerUnavailableError ? err : new DockerUnavailableError(err);
  return orElse(err);
}

export class DockerTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`Docker did not answer ${what} within ${ms} ms`);
    this.name = 'DockerTimeoutError';
  }
}

/** No Docker call may hang forever: a daemon that accepts the connection but never answers counts as
 * unavailable. */
export async function withTimeout<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DockerUnavailableError(new DockerTimeoutError(what, ms))), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
