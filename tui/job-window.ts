import type { Job, ResultOf } from '#protocol';

// The part of the job list the TUI holds: the newest pages of one server search, read with
// `job.list` a page at a time (newest first) as the selection nears the end, and kept live by
// `job.updated` / `job.removed`. Pure: the app makes the calls and feeds the answers in.
//
// A job the window has not loaded is one of three: newer than everything loaded (a new job: shown
// when it matches the search), among the loaded ids (it does not match: names and images never
// change), or older (it comes with a later page).

export type ListPage = Pick<ResultOf<'job.list'>, 'jobs' | 'nextCursor' | 'total' | 'totalCapped'>;

export interface JobWindow {
  /** The search the window was read with ('' = every job). */
  readonly search: string;
  /** Loaded jobs, newest first. */
  readonly jobs: readonly Job[];
  /** Where the next (older) page starts; null once every match is loaded. */
  readonly nextCursor: string | null;
  /** Matches on the server (from `count: true`); null when not known. */
  readonly total: number | null;
  /** `total` is a lower bound (the server stops counting a search at its cap). */
  readonly totalCapped: boolean;
}

export const emptyWindow: JobWindow = { search: '', jobs: [], nextCursor: null, total: 0, totalCapped: false };

/** The first page of `search`: the window starts over. */
export function firstPage(search: string, page: ListPage): JobWindow {
  return { search, jobs: [...page.jobs].sort((a, b) => b.id - a.id), nextCursor: page.nextCursor, total: page.total, totalCapped: page.totalCapped };
}

/** The page that starts at `cursor`, appended; a page for another cursor or search (the window
 * was read again meanwhile) changes nothing. */
export function mergePage(window: JobWindow, search: string, cursor: string, page: ListPage): JobWindow {
  if (window.search !== search || window.nextCursor !== cursor) return window;
  const oldest = window.jobs.at(-1)?.id ?? Infinity;
  const older = page.jobs.filter((j) => j.id < oldest).sort((a, b) => b.id - a.id);
  return { ...window, jobs: [...window.jobs, ...older], nextCursor: page.nextCursor };
}

/** The server's "matches the search" as near as the TUI can tell without its collation: the term
 * within the name or the image, without regard to case or accents. Used only for new jobs. */
export function matchesSearch(job: Pick<Job, 'name' | 'image'>, search: string): boolean {
  if (search === '') return true;
  const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  const term = fold(search);
  return fold(job.name).includes(term) || fold(job.image).includes(term);
}

/** A `job.updated` (or a job this client just made): replaced in place when loaded; a new job that
 * matches goes on top and counts in the total. */
export function applyUpdate(window: JobWindow, job: Job): JobWindow {
  const i = window.jobs.findIndex((j) => j.id === job.id);
  if (i >= 0) return { ...window, jobs: window.jobs.map((j, k) => (k === i ? job : j)) };
  const newest = window.jobs[0]?.id ?? 0;
  // An empty window that is all there is: any job it hears of is new.
  const isNew = job.id > newest && (window.jobs.length > 0 || window.nextCursor === null);
  if (!isNew || !matchesSearch(job, window.search)) return window;
  return { ...window, jobs: [job, ...window.jobs], total: window.total === null ? null : window.total + 1 };
}

/** A `job.removed`: gone from the window and the total. `recount` when the total may have moved
 * by an amount the window cannot tell (an unloaded job under a search, or a capped count). */
export function applyRemoved(window: JobWindow, id: number): { window: JobWindow; recount: boolean } {
  const loaded = window.jobs.some((j) => j.id === id);
  const oldest = window.jobs.at(-1)?.id ?? Infinity;
  const unloadedOlder = !loaded && window.nextCursor !== null && id < oldest;
  if (!loaded && !unloadedOlder) return { window, recount: false };
  const jobs = loaded ? window.jobs.filter((j) => j.id !== id) : window.jobs;
  // Without a search every job of the caller's is a match, loaded or not.
  const known = window.total !== null && !window.totalCapped && (loaded || window.search === '');
  const total = known && window.total !== null ? Math.max(0, window.total - 1) : window.total;
  return { window: { ...window, jobs, total }, recount: !known && window.total !== null };
}

/** A fresh count (after `recount`) for the window's search. */
export function withTotal(window: JobWindow, search: string, page: Pick<ListPage, 'total' | 'totalCapped'>): JobWindow {
  return window.search === search ? { ...window, total: page.total, totalCapped: page.totalCapped } : window;
}

/** Whether the row at `index` (of the loaded jobs) is within `margin` rows of the end and there is
 * more to read. */
export function needsMore(window: JobWindow, index: number, margin: number): boolean {
  return window.nextCursor !== null && index >= window.jobs.length - 1 - margin;
}

/** How many jobs match, for a label: `100000`, `1000+` (a capped count), or `more` (not counted,
 * and not all loaded). */
export function totalLabel(window: JobWindow): string {
  if (window.total !== null) return `${window.total}${window.totalCapped ? '+' : ''}`;
  return window.nextCursor === null ? String(window.jobs.length) : 'more';
}

/** Whether the window holds every match. */
export function complete(window: JobWindow): boolean {
  return window.nextCursor === null;
}
