import { describe, expect, it } from 'vitest';
import { exitReasons, statusTone, type Job } from '../../../server/protocol/index.js';
import { statusView } from '../../../web/format.js';
import { makeJob } from '../../support/job.js';

describe('statusTone', () => {
  it('reads the same for every status and exit reason', () => {
    const tones = Object.fromEntries(exitReasons.map((reason) => [reason, statusTone({ status: 'exited', reason })]));
    expect(tones).toEqual({ completed: 'ok', stopped: 'warn', failed: 'bad', oom_killed: 'bad', timed_out: 'bad', lost: 'bad' });
    expect(statusTone({ status: 'pending', reason: null })).toBe('wait');
    expect(statusTone({ status: 'running', reason: null })).toBe('run');
    expect(statusTone({ status: 'error', reason: 'image nope: not found' })).toBe('bad');
  });

  it('is the tone the web page shows (the TUI maps the same tones to colours)', () => {
    const jobs: Job[] = [
      makeJob({ status: 'pending' }),
      makeJob({ status: 'running' }),
      makeJob({ status: 'error', reason: 'boom' }),
      ...exitReasons.map((reason) => makeJob({ status: 'exited', reason })),
    ];
    for (const job of jobs) expect(statusView(job).tone).toBe(statusTone(job));
  });
});
