import type { Job } from '#protocol';
import { commandLine, fit, formatCpus, formatMemoryMb, statusLabel, timeLabel } from './format.js';

// The job table as data: one column list drives the TUI table, `--once` and `--json`. Widths come
// from the content and the columns' priorities: a narrow terminal drops the least important columns
// first, and the command takes what is left.

export interface Column {
  key: 'id' | 'name' | 'status' | 'command' | 'image' | 'exit' | 'time' | 'cpus' | 'memory' | 'io';
  title: string;
  /** Narrowest useful width. */
  min: number;
  /** Widest it grows to fit its content; the `fill` column has no maximum. */
  max: number;
  /** 1 = always shown; higher numbers are dropped first when the width runs out. */
  priority: number;
  /** Takes the width nobody else needs. */
  fill?: boolean;
  align?: 'right';
}

export const columns: readonly Column[] = [
  { key: 'id', title: 'ID', min: 2, max: 10, priority: 1, align: 'right' },
  { key: 'name', title: 'NAME', min: 8, max: 32, priority: 1 },
  { key: 'status', title: 'STATUS', min: 9, max: 30, priority: 1 },
  { key: 'command', title: 'COMMAND', min: 20, max: Infinity, priority: 2, fill: true },
  { key: 'image', title: 'IMAGE', min: 7, max: 24, priority: 3 },
  { key: 'exit', title: 'EXIT', min: 4, max: 4, priority: 3, align: 'right' },
  { key: 'time', title: 'TIME', min: 9, max: 11, priority: 4 },
  { key: 'cpus', title: 'CPUS', min: 4, max: 5, priority: 5, align: 'right' },
  { key: 'memory', title: 'MEMORY', min: 7, max: 9, priority: 5, align: 'right' },
  { key: 'io', title: 'IO', min: 4, max: 4, priority: 6, align: 'right' },
];

export type Row = Record<Column['key'], string>;

export function jobRow(job: Job, nowMs: number): Row {
  return {
    id: String(job.id),
    name: job.name,
    image: job.image,
    status: statusLabel(job),
    command: commandLine(job),
    exit: job.exitCode === null ? '-' : String(job.exitCode),
    cpus: formatCpus(job.cpus),
    memory: formatMemoryMb(job.memoryMb),
    io: String(job.ioWeight),
    time: timeLabel(job, nowMs),
  };
}

export interface Layout {
  columns: readonly Column[];
  widths: number[];
}

/** Which columns fit `total` and how wide each is: the least important columns go first until the
 * rest fit; then each column grows to its content (up to its max) in priority order, and the fill
 * column takes what is left, so a row is exactly `total` wide. */
export function layoutColumns(total: number, rows: readonly Row[] = [], cols: readonly Column[] = columns): Layout {
  const content = (c: Column) => Math.max(c.min, Math.min(c.max, Math.max(c.title.length, ...rows.map((r) => r[c.key].length))));
  // The always-shown columns count at their content's width, so a long status pushes out a column of
  // figures before it is cut itself.
  const fits = (cs: readonly Column[]) => cs.reduce((n, c) => n + (c.priority === 1 ? content(c) : c.min), 0) + cs.length - 1 <= total;
  let shown = [...cols];
  while (shown.length > 1 && !fits(shown) && shown.some((c) => c.priority > 1)) {
    const worst = Math.max(...shown.map((c) => c.priority));
    const drop = shown.map((c) => c.priority).lastIndexOf(worst);
    shown = shown.filter((_, i) => i !== drop);
  }
  const need = (cs: readonly Column[]) => cs.reduce((n, c) => n + c.min, 0) + cs.length - 1;
  const widths = shown.map((c) => c.min);
  let spare = total - need(shown);
  const byPriority = shown.map((c, i) => ({ c, i })).sort((a, b) => a.c.priority - b.c.priority);
  for (const { c, i } of byPriority) {
    const grow = Math.max(0, Math.min(spare, content(c) - (widths[i] ?? 0)));
    widths[i] = (widths[i] ?? 0) + grow;
    spare -= grow;
  }
  if (spare > 0) {
    // The fill column, or the last one when the fill column was dropped.
    const fill = shown.findIndex((c) => c.fill);
    const i = fill >= 0 ? fill : shown.length - 1;
    widths[i] = (widths[i] ?? 0) + spare;
  }
  return { columns: shown, widths };
}

function cell(text: string, width: number, align?: 'right'): string {
  return align === 'right' && text.length <= width ? text.padStart(width) : fit(text, width);
}

export function formatHeader(layout: Layout): string {
  return layout.columns.map((c, i) => cell(c.title, layout.widths[i] ?? c.min, c.align)).join(' ');
}

export function formatRow(row: Row, layout: Layout): string {
  return layout.columns.map((c, i) => cell(row[c.key], layout.widths[i] ?? c.min, c.align)).join(' ');
}

/** Where a column's cell starts and ends in a formatted row (undefined when it was dropped). */
export function cellSpan(layout: Layout, key: Column['key']): { start: number; end: number } | undefined {
  const i = layout.columns.findIndex((c) => c.key === key);
  if (i < 0) return undefined;
  const start = layout.widths.slice(0, i).reduce((n, w) => n + w + 1, 0);
  return { start, end: start + (layout.widths[i] ?? 0) };
}

/** The whole table as plain text, for `--once`. */
export function formatTable(jobs: readonly Job[], nowMs: number, width = 120): string {
  const rows = jobs.map((j) => jobRow(j, nowMs));
  const layout = layoutColumns(width, rows);
  const lines = [formatHeader(layout), ...rows.map((r) => formatRow(r, layout))];
  return lines.map((l) => l.trimEnd()).join('\n') + '\n';
}

/** `--json`: the rows a person sees plus the raw fields a script wants. */
export function tableJson(jobs: readonly Job[], nowMs: number): string {
  return JSON.stringify(
    jobs.map((j) => ({
      id: j.id,
      name: j.name,
      image: j.image,
      cmd: j.cmd,
      argv: j.argv,
      status: j.status,
      reason: j.reason,
      exitCode: j.exitCode,
      cpus: j.cpus,
      memoryMb: j.memoryMb,
      ioWeight: j.ioWeight,
      createdAt: j.createdAt,
      startedAt: j.startedAt,
      finishedAt: j.finishedAt,
      label: statusLabel(j),
      time: timeLabel(j, nowMs),
    })),
    null,
    2,
  ) + '\n';
}
