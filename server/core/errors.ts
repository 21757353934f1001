// Typed errors adapters throw. Those a client may see extend RpcError and carry a code from the one
// table in server/protocol/errors.ts; the rest stay inside the server.
import { ErrorCode, RpcError } from '../protocol/index.js';

export class DockerUnavailableError extends RpcError {
  constructor(cause?: unknown) {
    super(ErrorCode.DockerUnavailable, 'Docker is unreachable', undefined, { cause });
    this.name = 'DockerUnavailableError';
  }
}

export class DatabaseUnavailableError extends RpcError {
  constructor(cause?: unknown) {
    super(ErrorCode.DatabaseUnavailable, 'Database is unreachable', undefined, { cause });
    this.name = 'DatabaseUnavailableError';
  }
}

export class NameTakenError extends RpcError {
  constructor(name: string) {
    super(ErrorCode.NameTaken, `Job name already taken: ${name}`, { field: 'name', reason: 'already taken' });
    this.name = 'NameTakenError';
  }
}

export class JobNotFoundError extends RpcError {
  constructor(id: number) {
    super(ErrorCode.JobNotFound, `Job not found: ${id}`);
    this.name = 'JobNotFoundError';
  }
}

export class JobNotRunningError extends RpcError {
  constructor(id: number, status: string) {
    super(ErrorCode.JobNotRunning, `Job ${id} is not running (status ${status})`);
    this.name = 'JobNotRunningError';
  }
}

/** The job runs where its runtime cannot read its stats (swarm: another node than the manager's). */
export class StatsUnavailableError extends RpcError {
  constructor(message: string) {
    super(ErrorCode.StatsUnavailable, message);
    this.name = 'StatsUnavailableError';
  }
}

export class QuotaExceededError extends RpcError {
  constructor(message: string) {
    super(ErrorCode.QuotaExceeded, message);
    this.name = 'QuotaExceededError';
  }
}

/** The image could not be had; the message names the image and the cause and becomes the job's
 * error reason. */
export class ImageUnavailableError extends Error {
  constructor(readonly image: string, cause: string) {
    super(`image ${image}: ${cause}`);
    this.name = 'ImageUnavailableError';
  }
}

/** Docker refused to create or start the container (bad command, unknown network, ...); the message
 * is safe to show as the job's error reason. */
export class ContainerStartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ContainerStartError';
  }
}

/** A migration failed at start; stops start-up naming the migration. */
export class MigrationError extends Error {
  constructor(readonly migration: string, cause: unknown) {
    super(`migration ${migration} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'MigrationError';
  }
}
