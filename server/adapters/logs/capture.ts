// Drains one container's output into its JobLog until the output ends for good. 'attach' before the
// container starts; 'logs' (Docker's own copy) when resuming, skipping exactly the bytes already
// stored per stream. If the connection breaks while the container lives (dockerd restart), it resumes
// the same way. Exact while Docker still holds the container's whole log, which its log config
// guarantees until the job has written at least cjm's cap (container-config.ts, dockerLogConfig). A
// container whose copy rotated anyway (the job wrote far past the cap while cjm was down, or it was
// created with another config) is detected (Docker's log starts later than ours) and the resume goes
// by time, with a notice.
import type { Clock, JobRuntime, Logger, OutputSource } from '../../core/ports.js';
import { notStarted } from '../../core/job-state.js';
import type { JobLog } from './job-log.js';
import { createChunkShaper } from './chunk-shaper.js';

export interface CaptureDeps {
  runtime: Pick<JobRuntime, 'attachOutput' | 'inspect'>;
  clock: Clock;
  logger: Logger;
}

export interface Capture {
  /** Resolves once the first source is attached (or the container turned out to be gone). */
  readonly attached: Promise<void>;
  /** Resolves when the output has ended and the log is complete, or after stop(). */
  readonly done: Promise<void>;
  /** Stops reading and writes what was received; the log stays incomplete (resumable). */
  stop(): Promise<void>;
}

const RETRY_MIN_MS = 250;
const ROTATED_NOTICE = Buffer.from('\n[cjm: Docker rotated this job\'s log while cjm was not capturing; some output may be missing here]\n');
const RETRY_MAX_MS = 5000;

/** `created`: the container was just created and not started: attach without asking Docker first. */
export function startCapture(log: JobLog, containerId: string, deps: CaptureDeps, options: { created?: boolean } = {}): Capture {
  const { runtime, logger } = deps;
  let stopped = false;
  let source: OutputSource | null = null;
  let wake: (() => void) | null = null;
  let markAttached!: () => void;
  const attached = new Promise<void>((resolve) => (markAttached = resolve));

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const cancel = deps.clock.setTimer(ms, () => {
        wake = null;
        resolve();
      });
      wake = () => {
        cancel();
        wake = null;
        resolve();
      };
    });

  async function open(mode: 'attach' | 'logs'): Promise<OutputSource> {
    // A truncated log needs nothing more of the output: only to know when it ends.
    if (log.truncated) return runtime.attachOutput(containerId, { mode: 'logs', since: deps.clock.now() });
    return runtime.attachOutput(containerId, { mode });
  }

  /** Reads one source to its end. */
  async function drain(src: OutputSource, mode: 'attach' | 'logs'): Promise<void> {
    // attach sees only new output; logs replays it all, so skip what is stored.
    const resuming = mode === 'logs' && log.end > 0 && !log.truncated;
    let shaper = createChunkShaper(resuming ? { ...log.dockerCounts } : { stdout: 0, stderr: 0 });
    let checked = !resuming;
    let skipUntilMs: number | null = null;
    let ended = false;
    try {
      for await (const chunk of src) {
        if (stopped) return;
        const timeMs = chunk.time.getTime();
        if (!checked) {
          checked = true;
          // Docker's log starts later than ours: its copy rotated away the start, so byte
          // counts no longer line up. Fall back to time, and say that output may be missing.
          if (log.firstTimeMs !== null && timeMs > log.firstTimeMs) {
            logger.warn({ jobId: log.jobId, containerId }, 'Docker rotated the job\'s log while cjm was not capturing; resuming by time');
            skipUntilMs = log.lastTimeMs;
            shaper = createChunkShaper({ stdout: 0, stderr: 0 });
            log.append('stderr', ROTATED_NOTICE, deps.clock.now().getTime());
          }
        }
        if (skipUntilMs !== null && timeMs <= skipUntilMs) continue;
        log.append(chunk.stream, shaper.take(chunk.stream, chunk.data), timeMs);
        if (log.needsDrain()) await log.flush();
      }
      ended = true;
    } finally {
      // Held partial characters are stored only at a real end; otherwise they are read again.
      if (ended && !stopped) {
        const now = deps.clock.now().getTime();
        log.append('stdout', shaper.rest('stdout'), now);
        log.append('stderr', shaper.rest('stderr'), now);
      }
    }
  }

  async function run(): Promise<void> {
    // A launch knows its container is new: one Docker call less before the start.
    let state = options.created ? undefined : await runtime.inspect(containerId).catch(() => undefined);
    let mode: 'attach' | 'logs' = (options.created || state?.status === 'created') && log.end === 0 ? 'attach' : 'logs';
    let delay = RETRY_MIN_MS;
    while (!stopped) {
      if (state === null) break; // container gone: keep what we have
      // Docker 20.10 ends a `logs` follow when the container exits, even with output not sent yet
      // (measured: 35 of 234 MB for a reader behind `seq 1 5000000`). So a follow opened while the
      // container ran is not trusted to be whole: after the exit, the copy is read once more.
      const followedLive = mode === 'logs' && !log.truncated && state?.running !== false;
      try {
        source = await open(mode);
        markAttached();
        await drain(source, mode);
        delay = RETRY_MIN_MS;
      } catch (err) {
        if (stopped) break;
        logger.warn({ jobId: log.jobId, containerId, err }, 'log capture interrupted; resuming from Docker\'s log');
      } finally {
        source?.close();
        source = null;
      }
      if (stopped) break;
      state = await runtime.inspect(containerId).catch(() => undefined);
      if (state === null) break; // container gone: keep what we have
      if (state && !state.running && !notStarted(state)) {
        if (followedLive) continue; // read the now complete copy, skipping what is stored
        break; // output over
      }
      // Still running (or Docker unreachable): the stream broke, not the output. Resume from Docker.
      markAttached();
      await sleep(delay);
      delay = Math.min(delay * 2, RETRY_MAX_MS);
      mode = 'logs';
    }
    markAttached();
    if (stopped) await log.flush();
    else await log.finish();
  }

  const done = run().catch((err: unknown) => {
    markAttached();
    logger.error({ jobId: log.jobId, containerId, err }, 'log capture failed');
  });

  return {
    attached,
    done,
    async stop() {
      stopped = true;
      source?.close();
      wake?.();
      await done;
    },
  };
}
