import { describe, expect, it } from 'vitest';
import type { Job } from '../../../server/protocol/index.js';
import { createJobList } from '../../../tui/job-list.js';
import { makeJob } from '../../support/job.js';

const page = (jobs: Job[], nextCursor: string | null = null) => ({ jobs, nextCursor, total: jobs.length, totalCapped: false });

describe('job list', () => {
  it('lists newest first and selects the first row', () => {
    const s = createJobList();
    s.reset('', page([makeJob({ id: 1 }), makeJob({ id: 3 }), makeJob({ id: 2 })]));
    expect(s.visible().map((j) => j.id)).toEqual([3, 2, 1]);
    expect(s.selectedId).toBe(3);
  });
  it('job.updated updates in place and adds new jobs; the selection stays on its job', () => {
    const s = createJobList();
    s.reset('', page([makeJob({ id: 1 }), makeJob({ id: 2 })]));
    s.select(1);
    s.upsert(makeJob({ id: 3, name: 'new' }));
    s.upsert(makeJob({ id: 1, status: 'exited', reason: 'completed' }));
    expect(s.selectedId).toBe(1);
    expect(s.selectedIndex()).toBe(2);
    expect(s.get(1)?.status).toBe('exited');
    expect(s.get(3)?.name).toBe('new');
    expect(s.window.total).toBe(3);
  });
  it('removing the selected job moves the selection to a remaining row', () => {
    const s = createJobList();
    s.reset('', page([makeJob({ id: 1 }), makeJob({ id: 2 })]));
    s.select(2);
    s.remove(2);
    expect(s.selectedId).toBe(1);
  });
  it('keeps the selection on its job when the next page comes', () => {
    const s = createJobList();
    s.reset('', { ...page([makeJob({ id: 9 }), makeJob({ id: 8 })], '8'), total: 4 });
    s.moveSelection('last');
    s.merge('', '8', page([makeJob({ id: 7 }), makeJob({ id: 6 })]));
    expect(s.visible().map((j) => j.id)).toEqual([9, 8, 7, 6]);
    expect(s.selectedId).toBe(8);
    s.moveSelection(1);
    expect(s.selectedId).toBe(7);
  });
  it('sorts the loaded jobs by name or status, ties newest first', () => {
    const s = createJobList();
    s.reset('', page([makeJob({ id: 1, name: 'b' }), makeJob({ id: 2, name: 'a' }), makeJob({ id: 3, name: 'b' })]));
    s.setSort('name');
    expect(s.visible().map((j) => j.id)).toEqual([2, 3, 1]);
  });
  it('moves the selection, clamped, and jumps to first/last', () => {
    const s = createJobList();
    s.reset('', page([1, 2, 3, 4, 5].map((id) => makeJob({ id }))));
    s.moveSelection(2);
    expect(s.selectedId).toBe(3);
    s.moveSelection(100);
    expect(s.selectedId).toBe(1);
    s.moveSelection(-100);
    expect(s.selectedId).toBe(5);
    s.moveSelection('last');
    expect(s.selectedId).toBe(1);
  });
  it('tells listeners about changes', () => {
    const s = createJobList();
    let n = 0;
    s.onChange(() => n++);
    s.upsert(makeJob());
    s.setFilter('x');
    s.setFilter('x');
    expect(n).toBe(2);
  });
});
