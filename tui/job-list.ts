import type { Job } from '#protocol';

// The jobs the TUI knows, by id: filled by `job.list`, kept live by `job.updated`, never polled.
// The visible list (filtered, newest first) is recomputed lazily, only after a change.

export interface JobList {
  replaceAll(jobs: readonly Job[]): void;
  upsert(job: Job): void;
  remove(id: number): void;
  get(id: number): Job | undefined;
  /** Every job known, filter or not. */
  all(): IterableIterator<Job>;
  readonly size: number;
  setFilter(filter: string): void;
  readonly filter: string;
  /** Filtered and sorted (newest first unless `setSort` says otherwise). */
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

export function matchesFilter(job: Job, filter: string): boolean {
  if (!filter) return true;
  const f = filter.toLowerCase();
  return job.name.toLowerCase().includes(f) || job.image.toLowerCase().includes(f) || job.status.includes(f) || String(job.id) === f;
}

export function createJobList(): JobList {
  const jobs = new Map<number, Job>();
  let filter = '';
  let sort: SortKey = 'newest';
  let selectedId: number | undefined;
  let cache: readonly Job[] | undefined;
  let version = 0;
  const handlers = new Set<() => void>();

  function changed(): void {
    cache = undefined;
    version++;
    // Keep a selection whenever there are rows: the first one if the selected job went away.
    const rows = visible();
    if (selectedId === undefined || !rows.some((j) => j.id === selectedId)) selectedId = rows[0]?.id;
    handlers.forEach((h) => h());
  }

  function visible(): readonly Job[] {
    if (!cache) cache = [...jobs.values()].filter((j) => matchesFilter(j, filter)).sort(compare[sort]);
    return cache;
  }

  function selectedIndex(): number {
    return selectedId === undefined ? -1 : visible().findIndex((j) => j.id === selectedId);
  }

  return {
    replaceAll(list) {
      jobs.clear();
      for (const j of list) jobs.set(j.id, j);
      changed();
    },
    upsert(job) {
      jobs.set(job.id, job);
      changed();
    },
    remove(id) {
      if (jobs.delete(id)) changed();
    },
    get: (id) => jobs.get(id),
    all: () => jobs.values(),
    get size() {
      return jobs.size;
    },
    setFilter(f) {
      if (f === filter) return;
      filter = f;
      changed();
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
      changed();
    },
    visible,
    get selectedId() {
      return selectedId;
    },
    select(id) {
      if (id === selectedId) return;
      selectedId = id;
      version++;
      handlers.forEach((h) => h());
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
