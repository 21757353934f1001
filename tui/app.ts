import { ErrorCode, finishedStatuses, formatBytes, isRpcError, type Identity, type InvalidParamsData, type Job, type SystemInfo } from '#protocol';
import type { Connection, ConnectionState } from './connection.js';
import { serverErrors, toSpec, withError, withErrors, type FormState } from './form.js';
import { createJobList, nextSort, type JobList } from './job-list.js';
import { helpLines, type Action, type KeyContext } from './keys.js';
import { createLogPane, type LogPane, type SearchResult } from './log-pane.js';
import { complete, needsMore } from './job-window.js';
import { saveJobLog } from './save-log.js';
import { confirmStep } from './modes/confirm.js';
import { filterStep } from './modes/filter.js';
import { formStep } from './modes/form.js';
import { helpStep } from './modes/help.js';
import type { Effect, Mode, Step, StepContext } from './modes/mode.js';
import { saveStep } from './modes/save.js';
import { searchStep } from './modes/search.js';
import { paneStep } from './modes/table.js';
import { createStatsSampler, type StatsView } from './stats.js';

// The dashboard without the screen: it wires the modes' pure steps (tui/modes/) to the job list, the
// log pane, the stats sampler and the server, and runs the effects the steps ask for. Views render
// from it and feed it keys; everything here runs without blessed.

export type { Mode } from './modes/mode.js';
export type { StatsView } from './stats.js';

export interface AppOptions {
  url: string;
  statsIntervalMs?: number;
  /** How long a selection must rest before the log pane switches job (holding j must not flood). */
  followDelayMs?: number;
  logCapacity?: number;
  /** Jobs read per `job.list` page (the window grows by this much as the selection nears its end). */
  pageSize?: number;
  /** How long typing in the filter must pause before the server is asked. */
  searchDelayMs?: number;
  onQuit: () => void;
  now?: () => number;
}

export interface PaneHeights {
  table: number;
  log: number;
  /** Lines the help overlay shows at once. */
  help?: number;
}

export interface App {
  readonly url: string;
  readonly jobs: JobList;
  readonly logs: LogPane;
  readonly mode: Mode;
  readonly connection: ConnectionState;
  readonly identity: Identity | undefined;
  readonly info: SystemInfo | undefined;
  readonly stats: StatsView | undefined;
  /** A one-line message for the status bar (last action's result or error). */
  readonly message: { text: string; error: boolean } | undefined;
  /** Which pane has the keys, for hints and borders. */
  readonly context: KeyContext;
  /** Long log lines wrap (W) instead of being cut. */
  readonly wrap: boolean;
  /** Log lines start with their arrival time (t). */
  readonly timestamps: boolean;
  key(key: string, ch: string | undefined): void;
  /** Mouse, in the panes only (an open prompt or overlay keeps it): a click on the n-th row shown
   * (0 = first of the list) selects it; a click on the log pane focuses it; the wheel scrolls. */
  click(pane: KeyContext, row?: number): void;
  wheel(pane: KeyContext, delta: number): void;
  /** Put a message in the status bar (e.g. a failed re-list after a reconnect). */
  notify(text: string, error?: boolean): void;
  /** Page sizes of the panes, from the view's layout. */
  setHeights(heights: PaneHeights): void;
  onChange(handler: () => void): () => void;
  now(): number;
  dispose(): void;
}

export function createApp(connection: Connection, options: AppOptions): App {
  const now = options.now ?? Date.now;
  const jobs = createJobList();
  const logs = createLogPane(connection, { capacity: options.logCapacity ?? 5000 });
  let mode: Mode = { kind: 'table' };
  let identity: Identity | undefined;
  let info: SystemInfo | undefined;
  let message: App['message'];
  let wrap = false;
  let timestamps = false;
  let heights: Required<PaneHeights> = { table: 10, log: 10, help: 10 };
  let followTimer: NodeJS.Timeout | undefined;
  let infoTimer: NodeJS.Timeout | undefined;
  let searchTimer: NodeJS.Timeout | undefined;
  let recountTimer: NodeJS.Timeout | undefined;
  /** The latest first-page read: an older one that answers late is dropped. */
  let reading = 0;
  /** A next page is being read. */
  let paging = false;
  const pageSize = options.pageSize ?? 150;
  const handlers = new Set<() => void>();

  const changed = () => handlers.forEach((h) => h());
  const say = (text: string, error = false) => {
    message = { text, error };
    changed();
  };
  const describe = (e: unknown) => (e instanceof Error ? e.message : String(e));
  const selectedJob = (): Job | undefined => (jobs.selectedId === undefined ? undefined : jobs.get(jobs.selectedId));
  const stats = createStatsSampler(connection, { intervalMs: options.statsIntervalMs, target: selectedJob, onChange: changed });

  function context(): KeyContext {
    switch (mode.kind) {
      case 'log':
      case 'search':
        return 'log';
      case 'help':
      case 'confirm':
      case 'save':
        return mode.back;
      default:
        return 'table';
    }
  }

  jobs.onChange(() => {
    scheduleFollow();
    moreSoon();
    changed();
  });
  logs.onChange(changed);
  connection.onState((s) => {
    if (s.kind === 'connected') identity = s.identity;
    changed();
  });
  connection.on('job.updated', ({ job }) => {
    jobs.upsert(job);
    refreshInfoSoon();
  });
  // Removed elsewhere (another TUI, the web page): the row goes without a re-list.
  connection.on('job.removed', ({ id }) => forget(id));

  connection.onReady(async () => {
    // Order matters: subscribe first so no update falls between the list and the subscription.
    await connection.call('events.subscribe', {});
    info = await connection.call('system.info', {});
    await relist();
    await logs.resume();
    changed();
  });

  // The host bar's allocated and queued move with every start and end: read them again after an
  // update, at most once a second (a burst of updates costs one call).
  function refreshInfoSoon(): void {
    if (infoTimer) return;
    infoTimer = setTimeout(() => {
      infoTimer = undefined;
      connection.call('system.info', {}).then(
        (i) => {
          info = i;
          changed();
        },
        () => undefined, // disconnected: onReady reads it again
      );
    }, 1000);
  }

  /** The first page of the filter typed, with the count: the window starts over (at connect, on
   * reconnect, after the filter changes). */
  async function relist(): Promise<void> {
    const search = jobs.filter;
    const ticket = ++reading;
    const page = await connection.call('job.list', { limit: pageSize, count: true, ...(search ? { search } : {}) });
    if (ticket === reading) jobs.reset(search, page);
  }

  /** The next page when the selection is within a screenful of the end of what is loaded. */
  function moreSoon(): void {
    const w = jobs.window;
    const cursor = w.nextCursor;
    if (paging || cursor === null || !needsMore(w, jobs.selectedIndex(), Math.max(heights.table, 20))) return;
    paging = true;
    connection.call('job.list', { limit: pageSize, cursor, ...(w.search ? { search: w.search } : {}) }).then(
      (page) => {
        paging = false;
        jobs.merge(w.search, cursor, page);
      },
      (e: unknown) => {
        paging = false;
        say(`more jobs: ${describe(e)}`, true);
      },
    );
  }

  function searchSoon(delayMs = options.searchDelayMs ?? 250): void {
    if (searchTimer) clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      searchTimer = undefined;
      relist().catch((e: unknown) => say(`filter: ${describe(e)}`, true));
    }, delayMs);
  }

  function forget(id: number): void {
    if (!jobs.remove(id) || recountTimer) return;
    // Removals come in bursts (job.removeMany): one count after them.
    recountTimer = setTimeout(() => {
      recountTimer = undefined;
      const search = jobs.window.search;
      connection.call('job.list', { limit: 1, count: true, ...(search ? { search } : {}) }).then(
        (page) => jobs.setTotal(search, page),
        () => undefined, // disconnected: onReady reads the window again
      );
    }, 500);
  }

  function scheduleFollow(): void {
    const id = jobs.selectedId;
    if (id === logs.jobId) return;
    if (followTimer) clearTimeout(followTimer);
    followTimer = setTimeout(() => {
      followTimer = undefined;
      logs.show(jobs.selectedId).catch((e: unknown) => say(`logs: ${describe(e)}`, true));
      // The first figures now, not one interval later.
      stats.restart();
    }, options.followDelayMs ?? 120);
  }

  async function run(label: string, work: () => Promise<string>): Promise<void> {
    try {
      say(await work());
    } catch (e) {
      say(`${label}: ${describe(e)}`, true);
    }
  }

  async function submitForm(form: FormState): Promise<void> {
    const parsed = toSpec(form.values);
    if (!parsed.ok) {
      mode = { kind: 'form', form: withErrors(form, parsed.errors) };
      changed();
      return;
    }
    mode = { kind: 'form', form: { ...form, submitting: true, errors: {}, message: undefined } };
    changed();
    try {
      const job = await connection.call('job.create', parsed.spec);
      jobs.upsert(job);
      jobs.select(job.id);
      mode = { kind: 'table' };
      say(`created job ${job.id} (${job.name})`);
    } catch (e) {
      if (mode.kind !== 'form') return;
      let next: FormState;
      if (isRpcError(e) && e.code === ErrorCode.InvalidParams && isFieldData(e.data)) {
        next = withErrors(mode.form, serverErrors(e.data.errors ?? [e.data]));
      } else if (isRpcError(e) && e.code === ErrorCode.NameTaken) {
        next = withError(mode.form, 'name', e.message);
      } else {
        next = withError(mode.form, undefined, describe(e));
      }
      mode = { kind: 'form', form: next };
      changed();
    }
  }

  function stop(job: Job): void {
    // `stopping…` from the keypress: the row is marked here and the next job.updated replaces it.
    jobs.upsert({ ...job, progress: 'stopping' });
    void run('stop', async () => {
      const reply = await connection.call('job.stop', { id: job.id });
      // A job.updated that came first is newer than this reply: keep it.
      if (jobs.get(job.id)?.progress === 'stopping') jobs.upsert(reply);
      return reply.progress === 'stopping' ? `stopping job ${job.id} (${job.name})` : `stopped job ${job.id} (${job.name})`;
    });
  }

  async function saveLog(job: Job, path: string): Promise<void> {
    say(`saving the log of job ${job.id} to ${path}…`);
    let shown = Date.now();
    await run('save log', async () => {
      const bytes = await saveJobLog(connection, job.id, path, {
        // A few updates a second, not one per chunk.
        onProgress: (n) => {
          if (Date.now() - shown < 250) return;
          shown = Date.now();
          say(`saving the log of job ${job.id} to ${path}… ${formatBytes(n)}`);
        },
      });
      return `saved ${formatBytes(bytes)} to ${path}`;
    });
  }

  function found(result: SearchResult, forward: boolean): void {
    if (result === 'none') say(`no match for "${logs.query}"`, true);
    else if (result === 'wrapped') say(forward ? 'search hit the end, continued from the top' : 'search hit the top, continued from the end');
  }

  /** Moves, pane scrolling and server calls: what a bound action does once it may. */
  function perform(action: Action, job: Job | undefined): void {
    const inLog = mode.kind === 'log';
    const page = (h: number) => Math.max(1, h - 1);
    switch (action) {
      case 'up':
      case 'down': {
        const d = action === 'up' ? -1 : 1;
        if (inLog) logs.scroll(d, heights.log);
        else jobs.moveSelection(d);
        return;
      }
      case 'pageUp':
      case 'pageDown': {
        const d = action === 'pageUp' ? -1 : 1;
        if (inLog) logs.scroll(d * page(heights.log), heights.log);
        else jobs.moveSelection(d * page(heights.table));
        return;
      }
      case 'top':
        if (inLog) logs.scrollToTop();
        else jobs.moveSelection('first');
        return;
      case 'bottom':
        jobs.moveSelection('last');
        return;
      case 'follow':
        logs.follow();
        return;
      case 'wrap':
        wrap = !wrap;
        return say(wrap ? 'long lines wrap' : 'long lines are cut');
      case 'timestamps':
        timestamps = !timestamps;
        return changed();
      case 'sort':
        jobs.setSort(nextSort(jobs.sort));
        return say(`sorted by ${jobs.sort}`);
      case 'removeFinished':
        void run('remove finished', async () => {
          const removed: number[] = [];
          for (const status of finishedStatuses) removed.push(...(await connection.call('job.removeMany', { status })).removed);
          removed.forEach(forget);
          return `removed ${removed.length} finished job${removed.length === 1 ? '' : 's'}`;
        });
        return;
      case 'nextMatch':
      case 'prevMatch':
        if (!logs.query) return say('no search: press / first', true);
        return found(logs.findNext(action === 'nextMatch' ? 1 : -1, heights.log), action === 'nextMatch');
    }
    if (!job) return;
    switch (action) {
      case 'stop':
        return stop(job);
      case 'kill':
        void run('kill', async () => {
          jobs.upsert(await connection.call('job.kill', { id: job.id }));
          return `killed job ${job.id} (${job.name})`;
        });
        return;
      case 'remove':
        void run('remove', async () => {
          await connection.call('job.remove', { id: job.id });
          forget(job.id);
          return `removed job ${job.id} (${job.name})`;
        });
        return;
      case 'rerun':
        void run('re-run', async () => {
          const copy = await connection.call('job.rerun', { id: job.id });
          jobs.upsert(copy);
          jobs.select(copy.id);
          return `re-ran job ${job.id} as job ${copy.id} (${copy.name})`;
        });
        return;
      case 'refresh':
        void run('refresh', async () => {
          jobs.upsert(await connection.call('job.refresh', { id: job.id }));
          return `refreshed job ${job.id}`;
        });
        return;
    }
  }

  function apply(effect: Effect): void {
    switch (effect.kind) {
      case 'do':
        return perform(effect.action, effect.job);
      case 'filter':
        jobs.setFilter(effect.text);
        return searchSoon();
      case 'search':
        logs.setQuery(effect.text);
        if (effect.text !== '') found(logs.findNext(1, heights.log), true);
        return;
      case 'submit':
        void submitForm(effect.form);
        return;
      case 'save':
        void saveLog(effect.job, effect.path);
        return;
      case 'say':
        return say(effect.text, effect.error);
      case 'quit':
        return options.onQuit();
    }
  }

  function step(k: string, ch: string | undefined): Step {
    const press = { key: k, ch };
    const all = [...jobs.all()];
    const ctx: StepContext = {
      selected: selectedJob(),
      filter: jobs.filter,
      finished: all.filter((j) => (finishedStatuses as readonly string[]).includes(j.status)).length,
      allLoaded: jobs.window.search === '' && complete(jobs.window),
      taken: (name) => all.some((j) => j.name === name),
    };
    switch (mode.kind) {
      case 'table':
      case 'log':
        return paneStep(mode, press, ctx);
      case 'filter':
        return filterStep(mode, press);
      case 'search':
        return searchStep(mode, press);
      case 'save':
        return saveStep(mode, press);
      case 'form':
        return formStep(mode, press);
      case 'confirm':
        return confirmStep(mode, press);
      case 'help':
        return helpStep(mode, press, { page: heights.help, max: Math.max(0, helpLines().length - heights.help) });
    }
  }

  function key(k: string, ch: string | undefined): void {
    if (k === 'C-c') return options.onQuit();
    const next = step(k, ch);
    // A key clears the last message unless it brings its own.
    if (mode.kind === 'table' || mode.kind === 'log') message = undefined;
    // Leaving the filter prompt (Enter, Esc) asks the server now, not after the typing pause.
    const leftFilter = mode.kind === 'filter' && next.mode.kind !== 'filter';
    mode = next.mode;
    next.effects.forEach(apply);
    if (leftFilter && searchTimer) searchSoon(0);
    changed();
  }

  const inPanes = () => mode.kind === 'table' || mode.kind === 'log';

  return {
    url: options.url,
    jobs,
    logs,
    get mode() {
      return mode;
    },
    get connection() {
      return connection.state;
    },
    get identity() {
      return identity;
    },
    get info() {
      return info;
    },
    get stats() {
      return stats.viewFor(selectedJob());
    },
    get message() {
      return message;
    },
    get context() {
      return context();
    },
    get wrap() {
      return wrap;
    },
    get timestamps() {
      return timestamps;
    },
    key,
    click(pane, row) {
      if (!inPanes()) return;
      mode = { kind: pane };
      const job = row === undefined ? undefined : jobs.visible()[row];
      if (pane === 'table' && job) jobs.select(job.id);
      changed();
    },
    wheel(pane, delta) {
      if (!inPanes()) return;
      if (pane === 'log') logs.scroll(delta, heights.log);
      else jobs.moveSelection(delta);
      changed();
    },
    notify: say,
    setHeights(h) {
      heights = { ...heights, ...h };
    },
    onChange(h) {
      handlers.add(h);
      return () => handlers.delete(h);
    },
    now,
    dispose() {
      if (followTimer) clearTimeout(followTimer);
      if (infoTimer) clearTimeout(infoTimer);
      if (searchTimer) clearTimeout(searchTimer);
      if (recountTimer) clearTimeout(recountTimer);
      stats.dispose();
      logs.dispose();
    },
  };
}

function isFieldData(d: unknown): d is InvalidParamsData & { errors?: InvalidParamsData[] } {
  return typeof d === 'object' && d !== null && typeof (d as { field?: unknown }).field === 'string' && typeof (d as { reason?: unknown }).reason === 'string';
}
