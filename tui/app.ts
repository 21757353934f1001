import {
  ErrorCode,
  isRpcError,
  type Identity,
  type Job,
  type JobStats,
  type SystemInfo,
} from '#protocol';
import type { Connection, ConnectionState } from './connection.js';
import { createFormState, fieldForServerPath, formKey, isPrintable, toSpec, withError, type FormState } from './form.js';
import { createJobList, type JobList } from './job-list.js';
import { actionFor, type Action, type KeyContext } from './keys.js';
import { createLogPane, type LogPane } from './log-pane.js';
import { listAll } from './list-all.js';

// The dashboard without the screen: modes, the keybinding dispatch, actions against the server, stats
// sampling. Views render from it and feed it keys; everything here runs without blessed.

export type Mode =
  | { kind: 'table' }
  | { kind: 'log' }
  | { kind: 'help'; back: KeyContext }
  | { kind: 'filter'; before: string }
  | { kind: 'search'; text: string }
  | { kind: 'confirm'; action: 'stop' | 'remove'; job: Job; back: KeyContext }
  | { kind: 'form'; form: FormState };

export interface StatsView {
  jobId: number;
  latest: JobStats | undefined;
  cpu: number[];
  memory: number[];
}

export interface AppOptions {
  url: string;
  statsIntervalMs?: number;
  /** How long a selection must rest before the log pane switches job (holding j must not flood). */
  followDelayMs?: number;
  logCapacity?: number;
  onQuit: () => void;
  now?: () => number;
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
  key(key: string, ch: string | undefined): void;
  /** Put a message in the status bar (e.g. a failed re-list after a reconnect). */
  notify(text: string, error?: boolean): void;
  /** Page size of the panes, from the view's layout. */
  setHeights(table: number, log: number): void;
  onChange(handler: () => void): () => void;
  now(): number;
  dispose(): void;
}

const statsHistory = 60;

export function createApp(connection: Connection, options: AppOptions): App {
  const now = options.now ?? Date.now;
  const jobs = createJobList();
  const logs = createLogPane(connection, { capacity: options.logCapacity ?? 5000 });
  let mode: Mode = { kind: 'table' };
  let identity: Identity | undefined;
  let info: SystemInfo | undefined;
  let stats: StatsView | undefined;
  let message: App['message'];
  let tableHeight = 10;
  let logHeight = 10;
  let followTimer: NodeJS.Timeout | undefined;
  let statsTimer: NodeJS.Timeout | undefined;
  let statsBusy = false;
  const handlers = new Set<() => void>();

  const changed = () => handlers.forEach((h) => h());
  const say = (text: string, error = false) => {
    message = { text, error };
    changed();
  };
  const describe = (e: unknown) => (e instanceof Error ? e.message : String(e));
  const context = (): KeyContext => (mode.kind === 'log' ? 'log' : mode.kind === 'help' || mode.kind === 'confirm' ? mode.back : 'table');

  jobs.onChange(() => {
    scheduleFollow();
    changed();
  });
  logs.onChange(changed);
  connection.onState((s) => {
    if (s.kind === 'connected') identity = s.identity;
    changed();
  });
  connection.on('job.updated', ({ job }) => jobs.upsert(job));
  // Removed elsewhere (another TUI, the web page): the row goes without a re-list.
  connection.on('job.removed', ({ id }) => jobs.remove(id));

  connection.onReady(async () => {
    // Order matters: subscribe first so no update falls between the list and the subscription.
    await connection.call('events.subscribe', {});
    info = await connection.call('system.info', {});
    await relist();
    await logs.resume();
    changed();
  });

  async function relist(): Promise<void> {
    jobs.replaceAll(await listAll(connection));
  }

  function scheduleFollow(): void {
    const id = jobs.selectedId;
    if (id === logs.jobId) return;
    if (followTimer) clearTimeout(followTimer);
    followTimer = setTimeout(() => {
      followTimer = undefined;
      stats = undefined;
      logs.show(jobs.selectedId).catch((e: unknown) => say(`logs: ${describe(e)}`, true));
      // The first figures now, not one interval later.
      void sampleStats();
    }, options.followDelayMs ?? 120);
  }

  async function sampleStats(): Promise<void> {
    const job = jobs.selectedId === undefined ? undefined : jobs.get(jobs.selectedId);
    if (!job || job.status !== 'running' || connection.state.kind !== 'connected' || statsBusy) return;
    statsBusy = true;
    try {
      const s = await connection.call('job.stats', { id: job.id });
      if (!stats || stats.jobId !== job.id) stats = { jobId: job.id, latest: undefined, cpu: [], memory: [] };
      stats.latest = s;
      stats.cpu = [...stats.cpu, s.cpuPercent].slice(-statsHistory);
      stats.memory = [...stats.memory, s.memoryBytes].slice(-statsHistory);
      changed();
    } catch (e) {
      if (!(isRpcError(e) && e.code === ErrorCode.JobNotRunning)) stats = undefined;
    } finally {
      statsBusy = false;
    }
  }
  statsTimer = setInterval(() => void sampleStats(), options.statsIntervalMs ?? 1500);

  function selectedJob(): Job | undefined {
    return jobs.selectedId === undefined ? undefined : jobs.get(jobs.selectedId);
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
      mode = { kind: 'form', form: withError(form, parsed.field, parsed.reason) };
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
        const field = fieldForServerPath(e.data.field);
        next = withError(mode.form, field, field ? e.data.reason : `${e.data.field}: ${e.data.reason}`);
      } else if (isRpcError(e) && e.code === ErrorCode.NameTaken) {
        next = withError(mode.form, 'name', e.message);
      } else {
        next = withError(mode.form, undefined, describe(e));
      }
      mode = { kind: 'form', form: next };
      changed();
    }
  }

  function act(action: Action): void {
    const job = selectedJob();
    switch (action) {
      case 'up':
      case 'down': {
        const d = action === 'up' ? -1 : 1;
        if (mode.kind === 'log') logs.scroll(d, logHeight);
        else jobs.moveSelection(d);
        return;
      }
      case 'pageUp':
      case 'pageDown': {
        const d = action === 'pageUp' ? -1 : 1;
        if (mode.kind === 'log') logs.scroll(d * Math.max(1, logHeight - 1), logHeight);
        else jobs.moveSelection(d * Math.max(1, tableHeight - 1));
        return;
      }
      case 'top':
        if (mode.kind === 'log') logs.scrollToTop();
        else jobs.moveSelection('first');
        return;
      case 'bottom':
        jobs.moveSelection('last');
        return;
      case 'follow':
        logs.follow();
        return;
      case 'focusLogs':
        mode = { kind: 'log' };
        return changed();
      case 'back':
        mode = { kind: 'table' };
        return changed();
      case 'nextPane':
        mode = mode.kind === 'log' ? { kind: 'table' } : { kind: 'log' };
        return changed();
      case 'create':
        mode = { kind: 'form', form: createFormState() };
        return changed();
      case 'stop':
      case 'remove':
        if (!job) return say('no job selected', true);
        mode = { kind: 'confirm', action, job, back: context() };
        return changed();
      case 'refresh':
        if (!job) return say('no job selected', true);
        void run('refresh', async () => {
          jobs.upsert(await connection.call('job.refresh', { id: job.id }));
          return `refreshed job ${job.id}`;
        });
        return;
      case 'filter':
        mode = { kind: 'filter', before: jobs.filter };
        return changed();
      case 'search':
        mode = { kind: 'search', text: logs.query };
        return changed();
      case 'nextMatch':
      case 'prevMatch':
        if (!logs.query) return say('no search: press / first', true);
        if (!logs.findNext(action === 'nextMatch' ? 1 : -1, logHeight)) say(`no more matches for "${logs.query}"`, true);
        return;
      case 'help':
        mode = { kind: 'help', back: context() };
        return changed();
      case 'quit':
        options.onQuit();
        return;
    }
  }

  function confirmed(m: Extract<Mode, { kind: 'confirm' }>): void {
    const { job } = m;
    if (m.action === 'stop') {
      void run('stop', async () => {
        const answer = await connection.call('job.stop', { id: job.id });
        // The answer is the job stopping; a job.updated with its final state may have come first.
        const known = jobs.get(job.id)?.status;
        if (known !== 'exited' && known !== 'error') jobs.upsert(answer);
        return answer.progress === 'stopping' ? `stopping job ${job.id} (${job.name})` : `stopped job ${job.id} (${job.name})`;
      });
    } else {
      void run('remove', async () => {
        await connection.call('job.remove', { id: job.id });
        jobs.remove(job.id);
        return `removed job ${job.id} (${job.name})`;
      });
    }
  }

  function key(k: string, ch: string | undefined): void {
    if (k === 'C-c') return options.onQuit();
    switch (mode.kind) {
      case 'form': {
        if (mode.form.submitting) return;
        const { state, intent } = formKey(mode.form, k, ch);
        if (intent === 'cancel') mode = { kind: 'table' };
        else if (intent === 'submit') void submitForm(state);
        else mode = { kind: 'form', form: state };
        return changed();
      }
      case 'filter': {
        if (k === 'escape') {
          jobs.setFilter(mode.before);
          mode = { kind: 'table' };
        } else if (k === 'enter') mode = { kind: 'table' };
        else if (k === 'backspace') jobs.setFilter(jobs.filter.slice(0, -1));
        else if (k === 'C-u') jobs.setFilter('');
        else if (ch && isPrintable(ch)) jobs.setFilter(jobs.filter + ch);
        return changed();
      }
      case 'search': {
        if (k === 'escape') mode = { kind: 'log' };
        else if (k === 'enter') {
          const text = mode.text;
          logs.setQuery(text);
          mode = { kind: 'log' };
          if (text !== '' && !logs.findNext(-1, logHeight)) say(`no match for "${text}"`, true);
        } else if (k === 'backspace') mode = { kind: 'search', text: mode.text.slice(0, -1) };
        else if (ch && isPrintable(ch)) mode = { kind: 'search', text: mode.text + ch };
        return changed();
      }
      case 'confirm': {
        const m = mode;
        mode = m.back === 'log' ? { kind: 'log' } : { kind: 'table' };
        if (ch === 'y' || ch === 'Y') confirmed(m);
        else say('cancelled');
        return changed();
      }
      case 'help':
        if (k === 'escape' || ch === '?' || ch === 'q') {
          mode = mode.back === 'log' ? { kind: 'log' } : { kind: 'table' };
          changed();
        }
        return;
      default: {
        const binding = actionFor(context(), k);
        if (binding) {
          message = undefined;
          act(binding.action);
          changed();
        }
      }
    }
  }

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
      const job = selectedJob();
      return stats && job && stats.jobId === job.id && job.status === 'running' ? stats : undefined;
    },
    get message() {
      return message;
    },
    get context() {
      return context();
    },
    key,
    notify: say,
    setHeights(t, l) {
      tableHeight = t;
      logHeight = l;
    },
    onChange(h) {
      handlers.add(h);
      return () => handlers.delete(h);
    },
    now,
    dispose() {
      if (followTimer) clearTimeout(followTimer);
      if (statsTimer) clearInterval(statsTimer);
      statsTimer = undefined;
      logs.dispose();
    },
  };
}

function isFieldData(d: unknown): d is { field: string; reason: string } {
  return typeof d === 'object' && d !== null && typeof (d as { field?: unknown }).field === 'string' && typeof (d as { reason?: unknown }).reason === 'string';
}
