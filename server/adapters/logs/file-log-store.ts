// LogStore on the host's filesystem: one directory per job under <dataDir>/jobs/<id>/ (see
// log-files.ts). Captures, followers and tails of a job share one JobLog while any of them is open.
import type { Clock, JobRuntime, LogStore, Logger } from '../../core/ports.js';
import type { Job } from '../../protocol/index.js';
import { startCapture } from './capture.js';
import { startFollow } from './follow.js';
import { createJobLog, type JobLog, type JobLogOptions } from './job-log.js';
import { isComplete, logPaths, openLogWriter, readExtent, removeFiles, repairFiles } from './log-files.js';
import { readTail } from './read-tail.js';

export interface FileLogStoreDeps {
  runtime: Pick<JobRuntime, 'attachOutput' | 'inspect'>;
  clock: Clock;
  logger: Logger;
}

export interface FileLogStoreOptions {
  dataDir: string;
  /** Per-job cap (CJM_LOG_MAX_BYTES); output past it is dropped behind a visible marker. */
  maxBytes: number;
  /** Batching of writes; defaults suit 40 MB/s producers and a tail that is at most 50 ms stale. */
  flushBytes?: number;
  flushMs?: number;
  highWaterBytes?: number;
}

interface OpenLog {
  log: Promise<JobLog>;
  refs: number;
}

interface ActiveCapture {
  attached: Promise<void>;
  /** Settles after the capture ended and its writer is closed. */
  done: Promise<void>;
  stop(): Promise<void>;
}

export function createFileLogStore(deps: FileLogStoreDeps, options: FileLogStoreOptions): LogStore {
  const { logger } = deps;
  const jobLogOptions: JobLogOptions = {
    maxBytes: options.maxBytes,
    flushBytes: options.flushBytes ?? 1024 * 1024,
    flushMs: options.flushMs ?? 50,
    highWaterBytes: options.highWaterBytes ?? 8 * 1024 * 1024,
  };
  const opened = new Map<number, OpenLog>();
  const captures = new Map<number, ActiveCapture>();
  const removing = new Map<number, Promise<void>>();
  let closed = false;

  const paths = (jobId: number) => logPaths(options.dataDir, jobId);

  function acquire(jobId: number): Promise<JobLog> {
    let entry = opened.get(jobId);
    if (!entry) {
      const p = paths(jobId);
      entry = { log: readExtent(p).then((extent) => createJobLog(jobId, p, extent, deps, jobLogOptions)), refs: 0 };
      opened.set(jobId, entry);
      const created = entry;
      created.log.catch(() => {
        if (opened.get(jobId) === created) opened.delete(jobId);
      });
    }
    entry.refs++;
    return entry.log;
  }

  function release(jobId: number): void {
    const entry = opened.get(jobId);
    if (!entry) return;
    entry.refs--;
    if (entry.refs <= 0) opened.delete(jobId);
  }

  function beginCapture(job: Job, containerId: string, created: boolean): ActiveCapture {
    let stopRequested = false;
    let stopCapture: (() => Promise<void>) | null = null;
    let markAttached!: () => void;
    const attached = new Promise<void>((resolve) => (markAttached = resolve));

    const done = (async () => {
      const log = await acquire(job.id);
      try {
        if (log.complete || stopRequested) return;
        await repairFiles(log.paths, { records: log.committedRecords, end: log.committedEnd });
        const writer = await openLogWriter(log.paths);
        log.setWriter(writer);
        try {
          const capture = startCapture(log, containerId, deps, { created });
          stopCapture = capture.stop;
          if (stopRequested) await capture.stop();
          void capture.attached.then(markAttached);
          await capture.done;
        } finally {
          log.setWriter(null);
          await writer.close();
        }
      } finally {
        markAttached();
        release(job.id);
      }
    })();

    const active: ActiveCapture = {
      attached,
      done: done.catch((err: unknown) => logger.error({ jobId: job.id, err }, 'log capture failed')),
      async stop() {
        stopRequested = true;
        await stopCapture?.();
        await active.done;
      },
    };
    void active.done.finally(() => {
      if (captures.get(job.id) === active) captures.delete(job.id);
    });
    return active;
  }

  return {
    async capture(job, containerId, captureOptions = {}) {
      if (closed) throw new Error('log store is closed');
      await removing.get(job.id);
      let active = captures.get(job.id);
      if (!active) {
        active = beginCapture(job, containerId, captureOptions.created ?? false);
        captures.set(job.id, active);
      }
      await active.attached;
    },

    async drained(jobId) {
      await captures.get(jobId)?.done;
    },

    complete: (jobId) => isComplete(paths(jobId)),

    async tail(jobId, tailBytes, stream, timestamps) {
      // Let a running capture write its batch first, so the tail is as fresh as the output.
      const entry = captures.has(jobId) ? opened.get(jobId) : undefined;
      if (entry) await (await entry.log).flush();
      return readTail(paths(jobId), tailBytes, stream, timestamps);
    },

    follow(jobId, fromOffset, onChunk, onEnd) {
      let cancelled = false;
      let cancel: (() => void) | null = null;
      if (removing.has(jobId)) {
        queueMicrotask(() => onEnd('removed', fromOffset ?? 0));
        return () => undefined;
      }
      acquire(jobId).then(
        (log) => {
          if (cancelled) return release(jobId);
          cancel = startFollow(log, fromOffset, { onChunk, onEnd }, { logger, release: () => release(jobId) });
        },
        (err: unknown) => {
          logger.warn({ jobId, err }, 'cannot open job log to follow');
          if (!cancelled) onEnd('dropped', fromOffset ?? 0);
        },
      );
      return () => {
        cancelled = true;
        cancel?.();
      };
    },

    async remove(jobId) {
      const previous = removing.get(jobId);
      if (previous) return previous;
      const work = (async () => {
        await captures.get(jobId)?.stop();
        const entry = opened.get(jobId);
        if (entry) (await entry.log).remove();
        await removeFiles(paths(jobId));
      })();
      removing.set(jobId, work);
      try {
        await work;
      } finally {
        removing.delete(jobId);
      }
    },

    async close() {
      closed = true;
      await Promise.all([...captures.values()].map((c) => c.stop()));
    },
  };
}
