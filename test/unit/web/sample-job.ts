import type { Job } from '../../../server/protocol/index.js';

/** A job as the server returns it, for rendering tests. */
export function sampleJob(over: Partial<Job> = {}): Job {
  return {
    id: 7,
    name: 'hello',
    image: 'busybox:latest',
    cmd: 'echo hello',
    argv: null,
    cpus: 0.5,
    memoryMb: 256,
    ioWeight: 500,
    pidsLimit: 512,
    timeoutSeconds: 0,
    env: {},
    network: 'bridge',
    status: 'running',
    reason: null,
    exitCode: null,
    owner: 'admin',
    createdAt: '2025-11-26T16:01:02.000Z',
    startedAt: '2025-11-26T16:01:03.000Z',
    finishedAt: null,
    containerId: 'abc',
    enforced: { cpus: true, memory: true, ioWeight: false, pids: true, note: 'blkio weight needs BFQ' },
    progress: null,
    ...over,
  };
}
