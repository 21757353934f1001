// CJM_RETENTION: a periodic sweep that removes finished jobs (with their containers and logs) once
// they have been finished for longer than the retention. Timers come from the Clock port.
import type { Clock, Logger } from './ports.js';

export interface RetentionDeps {
  clock: Clock;
  logger: Logger;
  /** Removes every finished job (any owner) that finished before `before`; answers their ids. */
  removeFinishedBefore(before: Date): Promise<number[]>;
}

export interface RetentionOptions {
  /** How long a finished job is kept. */
  retentionMs: number;
  /** Time between sweeps; default a tenth of the retention, between 1 s and 1 h. */
  intervalMs?: number;
}

export interface RetentionSweep {
  /** Sweeps now, then every interval until closed. */
  start(): void;
  /** Cancels the next sweep and waits for one that is running. */
  close(): Promise<void>;
}

export function createRetentionSweep(deps: RetentionDeps, options: RetentionOptions): RetentionSweep {
  const { clock, logger } = deps;
  const intervalMs = options.intervalMs ?? Math.min(3_600_000, Math.max(1000, Math.round(options.retentionMs / 10)));
  let cancel: (() => void) | null = null;
  let running: Promise<void> | null = null;
  let closed = false;

  async function sweep(): Promise<void> {
    const before = new Date(clock.now().getTime() - options.retentionMs);
    try {
      const removed = await deps.removeFinishedBefore(before);
      if (removed.length) logger.info({ removed, finishedBefore: before.toISOString() }, `retention: removed ${removed.length} finished job(s)`);
    } catch (err) {
      // Docker or the database is down: the next sweep tries again.
      logger.warn({ err }, 'retention sweep failed; trying again at the next one');
    }
  }

  function schedule(ms: number): void {
    if (closed) return;
    cancel = clock.setTimer(ms, () => {
      cancel = null;
      running = sweep().finally(() => {
        running = null;
        schedule(intervalMs);
      });
    });
  }

  return {
    start() {
      if (!cancel && !running) schedule(0);
    },
    async close() {
      closed = true;
      cancel?.();
      cancel = null;
      await running;
    },
  };
}
