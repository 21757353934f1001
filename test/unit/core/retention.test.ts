// The retention sweep's schedule and failure handling, on a manual clock (the removal itself is
// tested on the real stack in test/integration/retention.test.ts).
import { describe, expect, it } from 'vitest';
import { createRetentionSweep } from '../../../server/core/retention.js';
import type { Clock, Logger } from '../../../server/core/ports.js';

function manualClock(start: number) {
  let now = start;
  const timers: { at: number; fn: () => void; cancelled: boolean }[] = [];
  const clock: Clock = {
    now: () => new Date(now),
    setTimer(ms, fn) {
      const t = { at: now + ms, fn, cancelled: false };
      timers.push(t);
      return () => (t.cancelled = true);
    },
  };
  /** Moves time on, running every timer that falls due (and letting their promises settle). */
  async function advance(ms: number) {
    const until = now + ms;
    for (;;) {
      const due = timers.filter((t) => !t.cancelled && t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      now = due.at;
      due.cancelled = true;
      due.fn();
      for (let i = 0; i < 10; i++) await Promise.resolve();
    }
    now = until;
  }
  return { clock, advance, pending: () => timers.filter((t) => !t.cancelled).length };
}

function recordingLogger() {
  const lines: { level: string; obj: object; msg?: string }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => lines.push({ level, obj, msg });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

const hour = 3_600_000;

describe('createRetentionSweep', () => {
  it('sweeps at start and then every interval, asking for jobs finished before now - retention, and logs what it removed', async () => {
    const { clock, advance } = manualClock(Date.parse('2026-01-10T00:00:00Z'));
    const { logger, lines } = recordingLogger();
    const asked: string[] = [];
    const sweep = createRetentionSweep(
      { clock, logger, removeFinishedBefore: async (before) => (asked.push(before.toISOString()), asked.length === 2 ? [7, 9] : []) },
      { retentionMs: 5 * hour },
    );
    sweep.start();
    await advance(0);
    expect(asked).toEqual(['2026-01-09T19:00:00.000Z']);
    // The default interval is a tenth of the retention: 30 min here.
    await advance(0.5 * hour - 1);
    expect(asked).toHaveLength(1);
    await advance(1);
    expect(asked).toEqual(['2026-01-09T19:00:00.000Z', '2026-01-09T19:30:00.000Z']);
    expect(lines.filter((l) => l.level === 'info')).toEqual([
      { level: 'info', obj: { removed: [7, 9], finishedBefore: '2026-01-09T19:30:00.000Z' }, msg: 'retention: removed 2 finished job(s)' },
    ]);
    await sweep.close();
  });

  it('sweeps at least hourly however long the retention', async () => {
    const { clock, advance } = manualClock(0);
    let calls = 0;
    const sweep = createRetentionSweep({ clock, logger: recordingLogger().logger, removeFinishedBefore: async () => (calls++, []) }, { retentionMs: 30 * 24 * hour });
    sweep.start();
    await advance(hour);
    expect(calls).toBe(2);
    await sweep.close();
  });

  it('keeps sweeping after a failed sweep, and close() stops it', async () => {
    const { clock, advance, pending } = manualClock(0);
    const { logger, lines } = recordingLogger();
    let calls = 0;
    const sweep = createRetentionSweep(
      {
        clock,
        logger,
        removeFinishedBefore: async () => {
          calls++;
          if (calls === 1) throw new Error('database down');
          return [];
        },
      },
      { retentionMs: 60_000, intervalMs: 1000 },
    );
    sweep.start();
    await advance(0);
    expect(lines.some((l) => l.level === 'warn' && /retention sweep failed/.test(l.msg ?? ''))).toBe(true);
    await advance(1000);
    expect(calls).toBe(2);
    await sweep.close();
    expect(pending()).toBe(0);
    await advance(10_000);
    expect(calls).toBe(2);
  });
});
