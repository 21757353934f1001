// In-memory implementations of core's ports, for unit tests that force races real Docker and MySQL
// only produce by chance. Each one keeps the port's contract; the test drives time, events and faults.
import { DatabaseUnavailableError, NameTakenError } from '../../server/core/errors.js';
import type {
  Clock,
  ContainerState,
  JobCountQuery,
  JobPatch,
  JobRuntime,
  JobStore,
  LogStore,
  Logger,
  NewJob,
  RuntimeEvent,
} from '../../server/core/ports.js';
import type { Job, JobStatus } from '../../server/protocol/index.js';
import { makeJob } from './job.js';

/** The fake's notion of "matches the filter": owner, status and a case-sensitive substring (the
 * real store's collation is tested against MariaDB). */
function matches(job: Job, query: JobCountQuery): boolean {
  if (query.owner !== null && job.owner !== query.owner) return false;
  if (query.status && job.status !== query.status) return false;
  return !query.search || job.name.includes(query.search) || job.image.includes(query.search);
}

export const quietLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Lets every promise chain the fakes started run to its next real wait. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** A clock that moves only when the test advances it; due timers fire in time order. */
export interface FakeClock extends Clock {
  advance(ms: number): Promise<void>;
}
export function createFakeClock(start = new Date('2026-01-01T00:00:00.000Z')): FakeClock {
  let now = start.getTime();
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => new Date(now),
    setTimer(ms, fn) {
      const id = ++seq;
      timers.set(id, { at: now + ms, fn });
      return () => timers.delete(id);
    },
    async advance(ms) {
      // Work already under way arms its timers at the current time, before the clock moves.
      await settle();
      const target = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= target).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
        await settle();
      }
      now = target;
      await settle();
    },
  };
}

/** The JobStore port over a Map. `failing` makes every call throw DatabaseUnavailableError, as the
 * MySQL adapter does when the database is down; `trace` records each stored status change. */
export interface FakeJobStore extends JobStore {
  failing: boolean;
  /** Calls refused while failing. */
  refused: number;
  /** The stored row, read past any failure. */
  peek(id: number): Job | undefined;
  trace: string[];
}
export function createFakeJobStore(trace: string[] = []): FakeJobStore {
  const rows = new Map<number, Job>();
  let nextId = 1;
  const store: FakeJobStore = {
    failing: false,
    refused: 0,
    trace,
    peek: (id) => rows.get(id),
    async insert(job: NewJob) {
      up();
      if ([...rows.values()].some((r) => r.name === job.name)) throw new NameTakenError(job.name);
      const { owner, createdAt, ...spec } = job;
      const row = makeJob({
        ...spec,
        id: nextId++,
        owner,
        createdAt: createdAt.toISOString(),
        status: 'pending',
        startedAt: null,
        containerId: null,
      });
      rows.set(row.id, row);
      return { ...row };
    },
    async get(id) {
      up();
      const row = rows.get(id);
      return row ? { ...row } : null;
    },
    async list(query) {
      up();
      return [...rows.values()]
        .filter((r) => matches(r, query))
        .filter((r) => query.beforeId === undefined || r.id < query.beforeId)
        .sort((a, b) => b.id - a.id)
        .slice(0, query.limit)
        .map((r) => ({ ...r }));
    },
    async count(query, cap) {
      up();
      const total = [...rows.values()].filter((r) => matches(r, query)).length;
      return cap !== undefined && total > cap ? { total: cap, capped: true } : { total, capped: false };
    },
    async listActiveBrief() {
      return (await store.listActive()).sort((a, b) => a.id - b.id).map(({ id, owner, status, containerId, cpus, memoryMb, createdAt }) => ({ id, owner, status, containerId, cpus, memoryMb, createdAtMs: Date.parse(createdAt) }));
    },
    async listActive() {
      up();
      return [...rows.values()].filter((r) => r.status === 'pending' || r.status === 'running').map((r) => ({ ...r }));
    },
    async update(id, patch: JobPatch, whenStatus?: readonly JobStatus[]) {
      up();
      const row = rows.get(id);
      if (!row || (whenStatus && !whenStatus.includes(row.status))) return null;
      const { startedAt, finishedAt, ...rest } = patch;
      const next: Job = { ...row, ...rest };
      if (startedAt !== undefined) next.startedAt = startedAt ? startedAt.toISOString() : null;
      if (finishedAt !== undefined) next.finishedAt = finishedAt ? finishedAt.toISOString() : null;
      rows.set(id, next);
      if (patch.status && patch.status !== row.status) trace.push(`job ${id} ${patch.status}`);
      return { ...next };
    },
    async delete(id) {
      up();
      return rows.delete(id);
    },
    async takenNames(names) {
      up();
      const taken = new Set([...rows.values()].map((r) => r.name.toLowerCase()));
      return names.filter((n) => taken.has(n.toLowerCase()));
    },
    async listFinished(query) {
      up();
      return [...rows.values()]
        .filter((r) => (query.owner === null || r.owner === query.owner) && (query.statuses as readonly string[]).includes(r.status))
        .filter((r) => !query.finishedBefore || (r.finishedAt !== null && Date.parse(r.finishedAt) < query.finishedBefore.getTime()))
        .filter((r) => query.beforeId === undefined || r.id < query.beforeId)
        .sort((a, b) => b.id - a.id)
        .slice(0, query.limit)
        .map((r) => ({ ...r }));
    },
    async usage(owner) {
      up();
      const mine = [...rows.values()].filter((r) => r.owner === owner && (r.status === 'pending' || r.status === 'running'));
      return { jobs: mine.length, cpus: mine.reduce((s, r) => s + r.cpus, 0), memoryMb: mine.reduce((s, r) => s + r.memoryMb, 0) };
    },
  };
  function up() {
    if (!store.failing) return;
    store.refused++;
    throw new DatabaseUnavailableError();
  }
  return store;
}

/** Docker as the test wants it: containers are plain state, events go out only when the test (or a
 * stop/kill/remove) emits them, and pull, start, stop and listManaged can be held open with a
 * Deferred. A stop ends a running container with 143, a kill with 137. */
export interface FakeRuntime extends JobRuntime {
  containers: Map<string, ContainerState & { jobId: number }>;
  /** Container ids created, in order. */
  created: string[];
  /** Container ids stop and kill were called with, in order. */
  stops: string[];
  kills: string[];
  holdPull: Deferred | null;
  /** Progress reported by the pull before it waits on holdPull. */
  pullProgress: string[];
  /** The pull fails with this once holdPull (if any) resolves. */
  pullError: Error | null;
  holdStart: Deferred | null;
  /** A stop that takes long: the container keeps running (ignoring SIGTERM) until this resolves. */
  holdStop: Deferred | null;
  holdList: Deferred | null;
  /** How a started container looks when start returns (default: running). */
  afterStart: (containerId: string) => Partial<ContainerState>;
  /** Sends an event on the stream; dropped while disconnected, as a real reconnect loses them. */
  emit(event: RuntimeEvent): void;
  exit(containerId: string, exitCode: number): void;
  connected: boolean;
}
export function createFakeRuntime(): FakeRuntime {
  let handler: ((e: RuntimeEvent) => void) | null = null;
  let seq = 0;
  const at = new Date('2026-01-01T00:00:00.000Z');
  const rt: FakeRuntime = {
    containers: new Map(),
    created: [],
    stops: [],
    kills: [],
    holdPull: null,
    pullProgress: [],
    pullError: null,
    holdStart: null,
    holdStop: null,
    holdList: null,
    afterStart: () => ({}),
    connected: true,
    emit(event) {
      if (rt.connected) handler?.(event);
    },
    exit(containerId, exitCode) {
      const c = rt.containers.get(containerId);
      if (!c) return;
      Object.assign(c, { running: false, status: 'exited', exitCode, finishedAt: at });
      rt.emit({ type: 'die', containerId, jobId: c.jobId, exitCode });
    },
    async ping() {},
    async ensureImage(_image, onProgress) {
      for (const p of rt.pullProgress) onProgress(p);
      await rt.holdPull?.promise;
      if (rt.pullError) throw rt.pullError;
    },
    async create(job) {
      const id = `c${++seq}`;
      rt.containers.set(id, { jobId: job.id, running: false, status: 'created', exitCode: null, oomKilled: false, startedAt: null, finishedAt: null, error: null, ip: null });
      rt.created.push(id);
      return id;
    },
    async start(containerId) {
      const c = rt.containers.get(containerId);
      if (!c) throw new Error(`no container ${containerId}`);
      Object.assign(c, { running: true, status: 'running', exitCode: null, startedAt: at });
      await rt.holdStart?.promise;
      Object.assign(c, rt.afterStart(containerId));
      const { jobId: _, ...state } = c;
      return { enforced: { cpus: true, memory: true, ioWeight: true, pids: true }, state };
    },
    async inspect(containerId) {
      const c = rt.containers.get(containerId);
      if (!c) return null;
      const { jobId: _, ...state } = c;
      return state;
    },
    async stop(containerId) {
      rt.stops.push(containerId);
      await rt.holdStop?.promise;
      if (rt.containers.get(containerId)?.running) rt.exit(containerId, 143);
    },
    async kill(containerId) {
      rt.kills.push(containerId);
      if (rt.containers.get(containerId)?.running) rt.exit(containerId, 137);
    },
    async remove(containerId) {
      const c = rt.containers.get(containerId);
      if (!c) return;
      rt.containers.delete(containerId);
      rt.emit({ type: 'destroy', containerId, jobId: c.jobId });
    },
    async listManaged() {
      await rt.holdList?.promise;
      return [...rt.containers.entries()].map(([containerId, c]) => ({ containerId, jobId: c.jobId }));
    },
    // Networks are the Docker adapter's own business (tested on the real dockerd).
    pruneNetworks: async () => [],
    events(h) {
      handler = h;
      rt.emit({ type: 'resync' });
      return { close: () => (handler = null) };
    },
    async info() {
      throw new Error('not in the fake');
    },
    async stats() {
      throw new Error('not in the fake');
    },
    async attachOutput() {
      throw new Error('not in the fake');
    },
  };
  return rt;
}

/** A LogStore that records when captures start (into the shared trace) and holds no output. */
export interface FakeLogStore extends LogStore {
  captures: { jobId: number; containerId: string }[];
  /** While set, drained() waits for it: a job's log still being read after its container died. */
  draining: Promise<void> | null;
}
export function createFakeLogStore(trace: string[] = []): FakeLogStore {
  const captures: { jobId: number; containerId: string }[] = [];
  const store: FakeLogStore = {
    captures,
    draining: null,
    async capture(job, containerId) {
      captures.push({ jobId: job.id, containerId });
      trace.push(`capture ${job.id} ${containerId}`);
    },
    async drained() {
      await store.draining;
    },
    complete: async () => true,
    async tail() {
      return { text: '', chunks: [], size: 0, truncated: false };
    },
    follow() {
      return () => undefined;
    },
    async remove() {},
    async close() {},
  };
  return store;
}
