import type { App } from '../app.js';
import { statusTone, type Job, type StatusTone } from '#protocol';
import { formatBytes, formatCpus, hostUse, hostUseLabel, limitsLines, sparkline, specLines, statusLabel, timeLabel, wrap } from '../format.js';
import { formFields, presets } from '../form.js';
import { bindingOf, hints, helpLines } from '../keys.js';
import { escapeTags, renderLogRows } from '../markup.js';
import { complete, totalLabel } from '../job-window.js';
import { cellSpan, formatHeader, formatRow, jobRow, layoutColumns } from '../rows.js';

// What each box says, as tagged strings built from the app's state. No blessed objects here, so the
// dashboard file is only layout and wiring.

export function connectionLabel(app: App): string {
  const s = app.connection;
  switch (s.kind) {
    case 'connected':
      return '{green-fg}● connected{/green-fg}';
    case 'connecting':
      return s.attempt > 1 ? `{yellow-fg}◌ reconnecting (attempt ${s.attempt}){/yellow-fg}` : '{yellow-fg}◌ connecting{/yellow-fg}';
    case 'disconnected': {
      const secs = Math.max(0, Math.ceil((s.retryAt - app.now()) / 1000));
      return `{red-fg}✖ disconnected, retrying in ${secs}s{/red-fg}`;
    }
    case 'closed':
      return 'closed';
  }
}

/** The header line for `width` columns: parts drop in order of least use (server version, URL,
 * user, host use) so the connection state is always there. */
export function headerText(app: App, width = Infinity): string {
  const connection = connectionLabel(app);
  // [plain text, tagged text, priority: lower is kept longer]
  const parts: [string, number][] = [
    ['{bold}cjm{/bold}', 1],
    [escapeTags(app.url), 4],
    [`user ${escapeTags(app.identity ? app.identity.user + (app.identity.admin ? ' (admin)' : '') : '?')}`, 3],
    [`server ${escapeTags(app.info?.version ?? '?')}`, 5],
    [app.info ? hostUseLabel(hostUse(app.info, app.jobs.all())) : 'capacity ?', 2],
    [connection, 0],
  ];
  const join = (ps: readonly [string, number][]) => ' ' + ps.map(([t]) => t).join(' │ ');
  let shown = parts;
  while (visibleLength(join(shown)) > width && shown.length > 1) {
    const worst = Math.max(...shown.map(([, p]) => p));
    shown = shown.filter(([, p]) => p !== worst);
  }
  return join(shown);
}

/** Columns a tagged string takes on screen. */
export function visibleLength(tagged: string): number {
  return tagged.replace(/\{\/?[a-z-]+\}/g, (t) => (t === '{open}' || t === '{close}' ? 'x' : '')).length;
}

const toneColour = { ok: 'green', run: 'cyan', wait: 'yellow', warn: 'magenta', bad: 'red' } as const satisfies Record<StatusTone, string>;

/** The table's lines: header, then the rows that fit, scrolled so the selection is visible. */
export function tableLines(app: App, width: number, height: number, scroll: { offset: number }): string[] {
  const rows = app.jobs.visible();
  const body = Math.max(1, height - 1);
  const sel = app.jobs.selectedIndex();
  if (sel >= 0 && sel < scroll.offset) scroll.offset = sel;
  if (sel >= scroll.offset + body) scroll.offset = sel - body + 1;
  scroll.offset = Math.max(0, Math.min(scroll.offset, Math.max(0, rows.length - body)));
  const now = app.now();
  const shown = rows.slice(scroll.offset, scroll.offset + body);
  const cells = shown.map((job) => jobRow(job, now));
  // Widths fit what is on screen, so a scroll to 7-digit ids widens the ID column.
  const layout = layoutColumns(width, cells);
  const status = cellSpan(layout, 'status');
  const lines = [`{bold}${escapeTags(formatHeader(layout))}{/bold}`];
  shown.forEach((job, n) => {
    const text = formatRow(cells[n]!, layout);
    if (job.id === app.jobs.selectedId || !status) {
      lines.push(job.id === app.jobs.selectedId ? `{inverse}${escapeTags(text)}{/inverse}` : escapeTags(text));
    } else {
      // Colour only the status cell; the words carry the meaning without colour.
      const { start, end } = status;
      const c = toneColour[statusTone(job)];
      lines.push(`${escapeTags(text.slice(0, start))}{${c}-fg}${escapeTags(text.slice(start, end))}{/${c}-fg}${escapeTags(text.slice(end))}`);
    }
  });
  const search = app.jobs.window.search;
  if (rows.length === 0) lines.push(search ? `  no job matches "${escapeTags(search)}"` : '  no jobs yet: press n to create one');
  return lines;
}

/** ` Jobs 12/340 ` (the selected row of the rows loaded); ` Jobs 12/150 of 100000 ` when the
 * server has more than are loaded (`of 1000+` for a capped count, `(more)` when not counted); then
 * what narrows or orders them (`filter "x"…` until the server has answered for it). */
export function tableLabel(app: App): string {
  const w = app.jobs.window;
  const n = app.jobs.visible().length;
  const at = app.jobs.selectedIndex() + 1;
  const all = totalLabel(w);
  const of = all === String(n) ? '' : all === 'more' ? ' (more)' : ` of ${all}`;
  const pending = app.jobs.filter !== w.search ? '…' : '';
  const filter = app.jobs.filter ? ` filter "${app.jobs.filter}"${pending}` : pending ? ' filter cleared…' : '';
  const sort = app.jobs.sort !== 'newest' ? ` sort ${app.jobs.sort}${complete(w) ? '' : ' (of those loaded)'}` : '';
  return ` Jobs ${at}/${n}${of}${filter}${sort} `;
}

/** The log pane's rows: the window's lines, wrapped when asked; following shows the last rows. */
export function logRows(app: App, width: number, height: number): string[] {
  const match = app.logs.matchSeq;
  const rows = app.logs.window(height).flatMap((line) => renderLogRows(line, width, { query: app.logs.query, current: line.seq === match, wrap: app.wrap, timestamps: app.timestamps }));
  return app.logs.following ? rows.slice(-height) : rows.slice(0, height);
}

export function logLabel(app: App): string {
  const id = app.logs.jobId;
  const job = id === undefined ? undefined : app.jobs.get(id);
  const name = job ? `job ${job.id} ${job.name}` : 'no job selected';
  const finished = job?.status === 'exited' || job?.status === 'error';
  const state = !app.logs.following ? 'paused — G to resume' : finished ? 'finished' : 'following';
  const m = app.logs.matches();
  const search = app.logs.query ? ` │ /${app.logs.query} ${m.index}/${m.total}` : '';
  return ` Logs: ${name} │ ${state}${search} `;
}

/** The selected job in full, most important first (a short panel cuts from the bottom): what the
 * table cuts short (the whole reason, the exit code), live CPU and memory while it runs, what it
 * runs and with what, its times, and which limits the host does not enforce and why. */
export function jobPanelText(app: App, width: number, options: { sparklines?: boolean } = {}): string {
  const id = app.jobs.selectedId;
  const job = id === undefined ? undefined : app.jobs.get(id);
  if (!job) return '';
  const w = Math.max(5, width - 2);
  const c = toneColour[statusTone(job)];
  const para = (text: string) => wrap(text, w).map((l) => ` ${escapeTags(l)}`);
  const lines = [...para(`#${job.id} ${job.name}`), ...wrap(statusLabel(job), w).map((l) => ` {${c}-fg}${escapeTags(l)}{/${c}-fg}`)];
  lines.push(...para([timeLabel(job, app.now()), ...(job.exitCode === null ? [] : [`exit code ${job.exitCode}`])].join(' · ')));
  if (job.status === 'running') lines.push('', ...statsLines(app, job, w, options.sparklines ?? true));
  lines.push('');
  for (const l of specLines(job, app.now())) lines.push(...para(l));
  for (const l of limitsLines(job)) lines.push(...para(l));
  return lines.join('\n');
}

/** With `sparklines` off, the dashboard's chart shows the history instead. */
function statsLines(app: App, job: Job, w: number, sparklines: boolean): string[] {
  const s = app.stats;
  if (!s?.latest) return [' sampling…'];
  const l = s.latest;
  const memPct = l.memoryLimitBytes > 0 ? (100 * l.memoryBytes) / l.memoryLimitBytes : 0;
  const para = (text: string) => wrap(text, w).map((x) => ` ${escapeTags(x)}`);
  return [
    ...para(`CPU ${l.cpuPercent.toFixed(1)}% (${l.cpuPercentOfLimit.toFixed(0)}% of ${formatCpus(job.cpus)})`),
    ...(sparklines ? [` {green-fg}${sparkline(s.cpu, w, 100)}{/green-fg}`] : []),
    ...para(`MEM ${formatBytes(l.memoryBytes)} / ${formatBytes(l.memoryLimitBytes)} ${memPct.toFixed(0)}%`),
    ...(sparklines ? [` {cyan-fg}${sparkline(s.memory, w, l.memoryLimitBytes || undefined)}{/cyan-fg}`] : []),
    ...para(`PIDS ${l.pids} · IO r ${formatBytes(l.blkioReadBytes)} w ${formatBytes(l.blkioWriteBytes)}`),
  ];
}

/** The job panel's chart: CPU and memory as percentages of the job's limits, oldest first, and
 * each sample's time before the latest (`-90s`, `now`). */
export interface ChartSeries {
  label: string;
  cpu: number[];
  memory: number[];
  times: string[];
}

export function chartSeries(app: App): ChartSeries | undefined {
  const s = app.stats;
  const limit = s?.latest?.memoryLimitBytes;
  if (!s?.latest || !limit) return undefined;
  const memory = s.memory.map((b) => (100 * b) / limit);
  const pct = (v: number | undefined) => `${(v ?? 0).toFixed(0)}%`;
  const times = s.ago.map((a) => (a < 0.5 ? 'now' : `-${a.toFixed(0)}s`));
  return { label: ` % of limits: CPU ${pct(s.cpu.at(-1))} MEM ${pct(memory.at(-1))} `, cpu: s.cpu, memory, times };
}

export function statusText(app: App, width = Infinity): string {
  const m = app.mode;
  if (m.kind === 'filter') return ` filter: ${escapeTags(m.text)}█   {gray-fg}Enter keep · Esc clear{/gray-fg}`;
  if (m.kind === 'search') return ` search log: ${escapeTags(m.text)}█   {gray-fg}Enter find · Esc cancel{/gray-fg}`;
  if (m.kind === 'save') return ` save the log of job ${m.job.id} to: ${escapeTags(m.text)}█   {gray-fg}Enter save · Esc cancel{/gray-fg}`;
  if (m.kind === 'form') return m.form.discarding ? ' y discard the new job · any other key goes back to it' : ' Enter/Tab next field · ↑ previous · Enter on the last or Ctrl-S create · Esc cancel';
  if (m.kind === 'confirm') return ' y confirm · any other key cancels';
  if (m.kind === 'help') return ' j/k PgUp/PgDn scroll · Esc or ? closes help';
  const msg = app.message ? (app.message.error ? `{red-fg}${escapeTags(app.message.text)}{/red-fg} │ ` : `${escapeTags(app.message.text)} │ `) : '';
  const room = width - 1 - (app.message ? app.message.text.length + 3 : 0);
  return ` ${msg}${escapeTags(hints(app.context, room))}`;
}

/** The help lines that fit `height`, from the scroll offset, with a mark where more follows. */
export function helpText(scroll: number, height: number): string {
  const all = helpLines();
  const top = Math.max(0, Math.min(scroll, all.length - height));
  const shown = all.slice(top, top + height).map((l) => ' ' + escapeTags(l));
  if (top + height < all.length && shown.length > 0) shown[shown.length - 1] = ` {gray-fg}↓ ${all.length - top - height + 1} more: j/k, PgDn{/gray-fg}`;
  return shown.join('\n');
}

/** The question a dangerous binding asks, from the key table: `Stop job 3 (victim)?`. */
export function confirmText(app: App): string {
  const m = app.mode;
  if (m.kind !== 'confirm') return '';
  const { action, job, count, partial } = m.pending;
  const confirm = bindingOf(action)?.confirm;
  const verb = confirm?.verb ?? action;
  const jobsWord = (n: number) => `${n} finished job${n === 1 ? '' : 's'}`;
  const what =
    count === undefined ? (job ? `job ${job.id} (${job.name})` : 'it') : partial ? `every finished job on the server (${count} among the jobs loaded here; there are more)` : jobsWord(count);
  const extra = confirm?.warning ? `\n ${escapeTags(confirm.warning)}` : '';
  return ` {bold}${escapeTags(`${verb} ${what}?`)}{/bold}${extra}\n\n y = yes, any other key = no`;
}

export function formTitle(app: App): string {
  const m = app.mode;
  return m.kind === 'form' && m.form.cloneOf !== undefined ? ` New job, cloned from job ${m.form.cloneOf} ` : ' New job ';
}

export function formText(app: App): string {
  const m = app.mode;
  if (m.kind !== 'form') return '';
  const f = m.form;
  const lines: string[] = [''];
  formFields.forEach((field, i) => {
    const focused = i === f.focus;
    const value = escapeTags(f.values[field.key]);
    const shown = focused ? `{inverse}${value}█{/inverse}` : value;
    lines.push(` ${focused ? '▶' : ' '} ${field.label.padEnd(10)} ${shown}`);
    const err = f.errors[field.key];
    if (err) lines.push(`   {red-fg}! ${escapeTags(field.label)}: ${escapeTags(err)}{/red-fg}`);
  });
  lines.push('');
  if (f.message) lines.push(` {red-fg}! ${escapeTags(f.message)}{/red-fg}`);
  if (f.submitting) lines.push(' creating…');
  if (f.discarding) lines.push(' {yellow-fg}{bold}Discard this new job? y = yes, any other key = keep editing{/bold}{/yellow-fg}');
  lines.push(` {gray-fg}Env KEY=VALUE, Ports numbers, space-separated · Network bridge or none · Ctrl-P example: ${escapeTags(presets[(f.preset + 1) % presets.length]?.label ?? '')}{/gray-fg}`);
  return lines.join('\n');
}
