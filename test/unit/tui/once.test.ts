import { describe, expect, it } from 'vitest';
import { printOnce } from '../../../tui/once.js';
import { makeJob } from '../../support/job.js';
import { createStubConnection, pagedList } from './stub-connection.js';

// `cjm-tui --once` pages through the list up to its limit, and says so on stderr when it leaves
// jobs out (stdout stays a clean table or JSON).

const jobs = Array.from({ length: 1200 }, (_, k) => makeJob({ id: 100_000 + k, name: `grow-${k}` }));

async function once(limit?: number, json = false) {
  const conn = createStubConnection({ 'job.list': pagedList(jobs) });
  let out = '';
  let note = '';
  await printOnce(conn, { json, width: 120, now: Date.parse('2026-01-02T00:00:00Z'), ...(limit ? { limit } : {}), write: (s) => (out += s), note: (s) => (note += s) });
  return { out, note, calls: conn.calls.map((c) => c.params) };
}

describe('--once', () => {
  it('prints every job, newest first, reading 500 a page, and says nothing when it printed all', async () => {
    const { out, note, calls } = await once();
    const ids = out.split('\n').slice(1, -1).map((l) => Number(/^\s*(\d+)/.exec(l)?.[1]));
    expect(ids).toHaveLength(1200);
    expect(ids[0]).toBe(101_199);
    expect(ids.at(-1)).toBe(100_000);
    expect(calls).toHaveLength(3);
    expect(note).toBe('');
  });

  it('stops at --limit and says how many it left out, on the side', async () => {
    const { out, note } = await once(700);
    expect(out.trimEnd().split('\n')).toHaveLength(701);
    expect(note).toBe('showing the newest 700 of 1200 jobs (--limit N to show more)\n');
    const json = await once(5, true);
    expect((JSON.parse(json.out) as unknown[]).length).toBe(5);
    expect(json.note).toContain('showing the newest 5 of 1200 jobs');
  });
});
