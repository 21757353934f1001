import type { Job } from '#protocol';
import { applyRemoved, applyUpdate, emptyWindow, firstPage, mergePage, withTotal, type JobWindow, type ListPage } from './job-window.js';

// The jobs the TUI holds: a window of the server's list (job-window.ts), read a page at a time and
// kept live by `job.updated`, never polled. The visible list (in the chosen order) and the index by id
// are recomputed lazily, only after a change.

export interface JobList {
  /** The first page of a (new) search: the window starts over. */
  reset(search: string, page: ListPage): void;
  /** The next page, read from `cursor` for `search`; dropped if the window moved on meanwhile. */
  merge(search: string, cursor: string, page: ListPage): void;
  upsert(job: Job): void;
  /** True when the total may have moved by an amount the window cannot tell: count again. */
  remove(id: number): boolean;
  setTotal(search: string, page: Pick<ListPage, 'total' | 'totalCapped'>): void;
  get(id: number): Job | undefined;
  /** Every job loaded. */
  all(): Iterable<Job>;
  /** Jobs loaded. */
  readonly size: number;
  readonly window: JobWindow;
  /** The filter typed (the server's search); the window follows it once its first page is read. */
  setFilter(filter: string): void;
  readonly filter: string;
  /** Loaded jobs, newest first unless `setSort` says otherwise. */
  visible(): readonly Job[];
  readonly sort: SortKey;
  setSort(sort: SortKey): void;
  /** The selected job id; kept on the same job while rows move around it. */
  readonly selectedId: number | undefined;
  select(id: number | undefined): void;
  /** Move the selection by `delta` rows (clamped); 'first'/'last' jump. */
  moveSelection(delta: number | 'first' | 'last'): void;
  selectedIndex(): number;
  readonly version: number;
  onChange(handler: () => void): () => void;
}

export const sortKeys = ['newest', 'name', 'status'] as const;
export type SortKey = (typeof sortKeys)[number];

export function nextSort(sort: SortKey): SortKey {
  return sortKeys[(sortKeys.indexOf(sort) + 1) % sortKeys.length] ?? 'newest';
}

// Ties fall back to newest first, so the order never flickers between redraws.
const compare: Record<SortKey, (a: Job, b: Job) => number> = {
  newest: (a, b) => b.id - a.id,
  name: (a, b) => a.name.localeCompare(b.name) || b.id - a.id,
  status: (a, b) => a.status.localeCompare(b.status) || b.id - a.id,
};

export function createJobList(): JobList {
  let window: JobWindow = emptyWindow;
  let filter = '';
  let sort: SortKey = 'newest';
  let selectedId: number | undefined;
  let cache: readonly Job[] | undefined;
  let byId: Map<number, Job> | undefined;
  let version = 0;
  const handlers = new Set<() => void>();

  function notify(): void {
    version++;
    handlers.forEach((h) => h());
  }

  function changed(next: JobWindow): void {
    if (next === window) return;
    window = next;
    cache = undefined;
    byId = undefined;
    // Keep a selection whenever there are rows: the first one if the selected job went away.
    if (selectedId === undefined || !index().has(selectedId)) selectedId = visible()[0]?.id;
    notify();
  }

  function index(): Map<number, Job> {
    if (!byId) byId = new Map(window.jobs.map((j) => [j.id, j]));
    return byId;
  }

  function visible(): readonly Job[] {
    if (!cache) cache = sort === 'newest' ? window.jobs : [...window.jobs].sort(compare[sort]);
    return cache;
  }

  function selectedIndex(): number {
    return selectedId === undefined ? -1 : visible().findIndex((j) => j.id === selectedId);
  }

  return {
    reset: (search, page) => changed(firstPage(search, page)),
    merge: (search, cursor, page) => changed(mergePage(window, search, cursor, page)),
    upsert: (job) => changed(applyUpdate(window, job)),
    remove(id) {
      const { window: next, recount } = applyRemoved(window, id);
      changed(next);
      return recount;
    },
    setTotal: (search, page) => changed(withTotal(window, search, page)),
    get: (id) => index().get(id),
    all: () => window.jobs,
    get size() {
      return window.jobs.length;
    },
    get window() {
      return window;
    },
    setFilter(f) {
      if (f === filter) return;
      filter = f;
      notify();
    },
    get filter() {
      return filter;
    },
    get sort() {
      return sort;
    },
    setSort(s) {
      if (s === sort) return;
      sort = s;
      cache = undefined;
      notify();
    },
    visible,
    get selectedId() {
      return selectedId;
    },
    select(id) {
      if (id === selectedId) return;
      selectedId = id;
      notify();
    },
    moveSelection(delta) {
      const rows = visible();
      if (rows.length === 0) return;
      const i = selectedIndex();
      const next = delta === 'first' ? 0 : delta === 'last' ? rows.length - 1 : Math.max(0, Math.min(rows.length - 1, (i < 0 ? 0 : i) + delta));
      this.select(rows[next]?.id);
    },
    selectedIndex,
    get version() {
      return version;
    },
    onChange(h) {
      handlers.add(h);
      return () => handlers.delete(h);
    },
  };
}
