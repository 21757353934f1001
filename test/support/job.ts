import type { NewJob } from '../../server/core/ports.js';
import type { Job } from '../../server/protocol/index.js';

/** A job as the server returns it, for tests of pure code; override what a test is about. */
export function makeJob(over: Partial<Job> = {}): Job {
  return {
    id: 1,
    name: 'hello',
    image: 'busybox',
    cmd: 'echo hi',
    argv: null,
    cpus: 0.5,
    memoryMb: 128,
    ioWeight: 500,
    pidsLimit: 512,
    timeoutSeconds: 0,
    env: {},
    network: 'bridge',
    ports: [],
    constraints: [],
    status: 'running',
    reason: null,
    exitCode: null,
    owner: 'admin',
    createdAt: '2026-01-01T00:00:00.000Z',
    startedAt: '2026-01-01T00:00:01.000Z',
    finishedAt: null,
    containerId: 'abc',
    enforced: null,
    progress: null,
    ip: null,
    endpoints: [],
    ...over,
  };
}

let counter = 0;

/** What the service hands the store to insert; the name is unique per call. */
export function newJob(overrides: Partial<NewJob> = {}): NewJob {
  counter += 1;
  return {
    name: `job-${process.pid}-${counter}`,
    image: 'busybox:latest',
    cmd: 'echo hello; sleep 1',
    argv: undefined,
    cpus: 0.5,
    memoryMb: 64,
    ioWeight: 500,
    pidsLimit: 512,
    timeoutSeconds: 0,
    env: {},
    network: 'bridge',
    ports: [],
    constraints: [],
    owner: 'alice',
    createdAt: new Date(),
    ...overrides,
  };
}
