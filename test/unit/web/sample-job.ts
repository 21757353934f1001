import type { Job } from '../../../server/protocol/index.js';
import { makeJob } from '../../support/job.js';

/** A job as the server returns it, for rendering tests. */
export function sampleJob(over: Partial<Job> = {}): Job {
  return makeJob({
    id: 7,
    image: 'busybox:latest',
    cmd: 'echo hello',
    memoryMb: 256,
    createdAt: '2025-11-26T16:01:02.000Z',
    startedAt: '2025-11-26T16:01:03.000Z',
    enforced: { cpus: true, memory: true, ioWeight: false, pids: true, note: 'blkio weight needs BFQ' },
    ...over,
  });
}
