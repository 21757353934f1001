import { describe, expect, it } from 'vitest';
import { createJobList } from '../../../tui/job-list.js';
import { makeJob } from '../../support/job.js';

describe('job list', () => {
  it('lists newest first and selects the first row', () => {
    const s = createJobList();
    s.replaceAll([makeJob({ id: 1 }), makeJob({ id: 3 }), makeJob({ id: 2 })]);
    expect(s.visible().map((j) => j.id)).toEqual([3, 2, 1]);
    expect(s.selectedId).toBe(3);
  });
  it('job.updated updates in place and adds new jobs; the selection stays on its job', () => {
    const s = createJobList();
    s.replaceAll([makeJob({ id: 1 }), makeJob({ id: 2 })]);
    s.select(1);
    s.upsert(makeJob({ id: 3, name: 'new' }));
    s.upsert(makeJob({ id: 1, status: 'exited', reason: 'completed' }));
    expect(s.selectedId).toBe(1);
    expect(s.selectedIndex()).toBe(2);
    expect(s.get(1)?.status).toBe('exited');
  });
  it('removing the selected job moves the selection to a remaining row', () => {
    const s = createJobList();
    s.replaceAll([makeJob({ id: 1 }), makeJob({ id: 2 })]);
    s.select(2);
    s.remove(2);
    expect(s.selectedId).toBe(1);
  });
  it('filters by name, image, status or id', () => {
    const s = createJobList();
    s.replaceAll([makeJob({ id: 1, name: 'web' }), makeJob({ id: 2, name: 'batch', image: 'alpine' }), makeJob({ id: 3, name: 'x', status: 'exited' })]);
    s.setFilter('alp');
    expect(s.visible().map((j) => j.id)).toEqual([2]);
    expect(s.selectedId).toBe(2);
    s.setFilter('exited');
    expect(s.visible().map((j) => j.id)).toEqual([3]);
    s.setFilter('1');
    expect(s.visible().map((j) => j.id)).toEqual([1]);
    s.setFilter('');
    expect(s.visible()).toHaveLength(3);
  });
  it('moves the selection, clamped, and jumps to first/last', () => {
    const s = createJobList();
    s.replaceAll([1, 2, 3, 4, 5].map((id) => makeJob({ id })));
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
