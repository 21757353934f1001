import { describe, expect, it } from 'vitest';
import type { Job } from '../../../server/protocol/index.js';
import { applyRemoved, applyUpdate, emptyWindow, firstPage, matchesSearch, mergePage, needsMore, totalLabel, withTotal, type JobWindow } from '../../../tui/job-window.js';
import { makeJob } from '../../support/job.js';

// The TUI's window of the job list: pages merged in order, events applied without a re-list, the
// total kept true or said to be unknown.

const jobs = (...ids: number[]): Job[] => ids.map((id) => makeJob({ id, name: `job-${id}`, image: 'busybox' }));
const ids = (w: JobWindow) => w.jobs.map((j) => j.id);
/** Jobs 100..51 of 100 loaded, the rest older. */
const window = (over: Partial<JobWindow> = {}): JobWindow => ({
  ...firstPage('', { jobs: jobs(...Array.from({ length: 50 }, (_, k) => 100 - k)), nextCursor: '51', total: 100, totalCapped: false }),
  ...over,
});

describe('pages', () => {
  it('the first page starts over, newest first', () => {
    const w = firstPage('web', { jobs: jobs(3, 9, 5), nextCursor: null, total: 3, totalCapped: false });
    expect(ids(w)).toEqual([9, 5, 3]);
    expect(w).toMatchObject({ search: 'web', nextCursor: null, total: 3 });
  });

  it('the next page goes after the loaded ones and moves the cursor', () => {
    const w = mergePage(window(), '', '51', { jobs: jobs(50, 49), nextCursor: '49', total: null, totalCapped: false });
    expect(ids(w).slice(-3)).toEqual([51, 50, 49]);
    expect(w.nextCursor).toBe('49');
    expect(w.total).toBe(100);
  });

  it('a page read for another cursor or search (the window was read again meanwhile) is dropped', () => {
    const w = window();
    expect(mergePage(w, '', '40', { jobs: jobs(39), nextCursor: null, total: null, totalCapped: false })).toBe(w);
    expect(mergePage(w, 'web', '51', { jobs: jobs(50), nextCursor: null, total: null, totalCapped: false })).toBe(w);
  });

  it('a job already loaded (a page that overlaps) is not listed twice', () => {
    const w = mergePage(window(), '', '51', { jobs: jobs(51, 50), nextCursor: null, total: null, totalCapped: false });
    expect(ids(w).filter((id) => id === 51)).toHaveLength(1);
  });

  it('needs more when the row is within the margin of the end and there is more', () => {
    const w = window();
    expect(needsMore(w, 10, 20)).toBe(false);
    expect(needsMore(w, 29, 20)).toBe(true);
    expect(needsMore(w, 49, 20)).toBe(true);
    expect(needsMore({ ...w, nextCursor: null }, 49, 20)).toBe(false);
  });
});

describe('job.updated', () => {
  it('replaces a loaded job in place, total unchanged', () => {
    const w = applyUpdate(window(), makeJob({ id: 80, name: 'job-80', status: 'exited' }));
    expect(w.jobs.find((j) => j.id === 80)?.status).toBe('exited');
    expect(ids(w)).toEqual(ids(window()));
    expect(w.total).toBe(100);
  });

  it('puts a new job on top and counts it', () => {
    const w = applyUpdate(window(), makeJob({ id: 101, name: 'fresh' }));
    expect(ids(w)[0]).toBe(101);
    expect(w.total).toBe(101);
  });

  it('leaves out a new job that does not match the search, and an old one not loaded', () => {
    const searched = firstPage('web', { jobs: [makeJob({ id: 10, name: 'web-1' })], nextCursor: '10', total: 7, totalCapped: false });
    expect(applyUpdate(searched, makeJob({ id: 11, name: 'batch' }))).toBe(searched);
    expect(applyUpdate(searched, makeJob({ id: 5, name: 'web-0' }))).toBe(searched);
    const matched = applyUpdate(searched, makeJob({ id: 12, name: 'WÉB-2' }));
    expect(ids(matched)).toEqual([12, 10]);
    expect(matched.total).toBe(8);
  });

  it('an empty window that is everything takes any new job; one with more to read does not guess', () => {
    expect(ids(applyUpdate(emptyWindow, makeJob({ id: 4 })))).toEqual([4]);
    const unread = { ...emptyWindow, nextCursor: '9' };
    expect(applyUpdate(unread, makeJob({ id: 4 }))).toBe(unread);
  });

  it('a capped count stays a lower bound', () => {
    const w = applyUpdate(window({ total: 1000, totalCapped: true }), makeJob({ id: 101 }));
    expect(totalLabel(w)).toBe('1001+');
  });
});

describe('job.removed', () => {
  it('a loaded job leaves the window and the total', () => {
    const { window: w, recount } = applyRemoved(window(), 70);
    expect(ids(w)).not.toContain(70);
    expect(w.total).toBe(99);
    expect(recount).toBe(false);
  });

  it('an older job not loaded yet counts down without a search, and asks for a count with one', () => {
    expect(applyRemoved(window(), 3)).toMatchObject({ window: { total: 99 }, recount: false });
    const searched = window({ search: 'job' });
    const r = applyRemoved(searched, 3);
    expect(r.window.total).toBe(100);
    expect(r.recount).toBe(true);
    expect(withTotal(r.window, 'job', { total: 99, totalCapped: false }).total).toBe(99);
    expect(withTotal(r.window, 'other', { total: 5, totalCapped: false }).total).toBe(100);
  });

  it('a job among the loaded ids but not in the window did not match: nothing changes', () => {
    const searched = window({ search: 'job', jobs: jobs(100, 90, 80), nextCursor: '80' });
    expect(applyRemoved(searched, 85)).toEqual({ window: searched, recount: false });
  });

  it('a capped count asks for a count again', () => {
    expect(applyRemoved(window({ total: 1000, totalCapped: true }), 70)).toMatchObject({ window: { total: 1000 }, recount: true });
  });
});

describe('labels and matching', () => {
  it('says the total, a lower bound, or "more" when it is not known', () => {
    expect(totalLabel(window())).toBe('100');
    expect(totalLabel(window({ total: 1000, totalCapped: true }))).toBe('1000+');
    expect(totalLabel(window({ total: null }))).toBe('more');
    expect(totalLabel(window({ total: null, nextCursor: null }))).toBe('50');
  });

  it('matches as the server does for the usual cases: anywhere in name or image, any case, any accent', () => {
    const job = { name: 'Café-Web', image: 'python:3.12' };
    for (const term of ['cafe', 'CAFÉ', 'é-w', 'thon:3', '']) expect(matchesSearch(job, term), term).toBe(true);
    for (const term of ['cafes', 'ruby']) expect(matchesSearch(job, term), term).toBe(false);
  });
});
