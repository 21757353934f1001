import type { Job } from '#protocol';
import { fit, formatCpus, formatMemoryMb, statusLabel, timeLabel } from './format.js';

// The job table as data: one column list drives the TUI table, `--once` and `--json`.

export interface Column {
  key: 'id' | 'name' | 'image' | 'status' | 'exit' | 'cpus' | 'memory' | 'io' | 'time';
  title: string;
  /** Minimum width; columns with `grow` share what is left. */
  width: number;
  grow?: number;
  align?: 'right';
}

export const columns: readonly Column[] = [
  { key: 'id', title: 'ID', width: 5, align: 'right' },
  { key: 'name', title: 'NAME', width: 10, grow: 2 },
  { key: 'image', title: 'IMAGE', width: 8, grow: 1 },
  { key: 'status', title: 'STATUS', width: 14, grow: 3 },
  { key: 'exit', title: 'EXIT', width: 4, align: 'right' },
  { key: 'cpus', title: 'CPUS', width: 5, align: 'right' },
  { key: 'memory', title: 'MEMORY', width: 8, align: 'right' },
  { key: 'io', title: 'IO', width: 4, align: 'right' },
  { key: 'time', title: 'TIME', width: 9 },
];

export type Row = Record<Column['key'], string>;

export function jobRow(job: Job, nowMs: number): Row {
  return {
    id: String(job.id),
    name: job.name,
    image: job.image,
    status: statusLabel(job),
    exit: job.exitCode === null ? '-' : String(job.exitCode),
    cpus: formatCpus(job.cpus),
    memory: formatMemoryMb(job.memoryMb),
    io: String(job.ioWeight),
    time: timeLabel(job, nowMs),
  };
}

/** Column widths for a total width: minimums first, the rest shared by `grow`, one space between. */
export function layoutColumns(total: number, cols: readonly Column[] = columns): number[] {
  const gaps = cols.length - 1;
  const min = cols.reduce((n, c) => n + c.width, 0);
  const spare = Math.max(0, total - gaps - min);
  const growTotal = cols.reduce((n, c) => n + (c.grow ?? 0), 0);
  const widths = cols.map((c) => c.width + (growTotal ? Math.floor((spare * (c.grow ?? 0)) / growTotal) : 0));
  // Rounding leftovers go to the first growing column so the row fills the width exactly.
  const used = widths.reduce((n, w) => n + w, 0) + gaps;
  const first = cols.findIndex((c) => c.grow);
  if (first >= 0 && used < total) widths[first] = (widths[first] ?? 0) + (total - used);
  return widths;
}

function cell(text: string, width: number, align?: 'right'): string {
  return align === 'right' && text.length <= width ? text.padStart(width) : fit(text, width);
}

export function formatHeader(widths: readonly number[], cols: readonly Column[] = columns): string {
  return cols.map((c, i) => cell(c.title, widths[i] ?? c.width, c.align)).join(' ');
}

export function formatRow(row: Row, widths: readonly number[], cols: readonly Column[] = columns): string {
  return cols.map((c, i) => cell(row[c.key], widths[i] ?? c.width, c.align)).join(' ');
}

/** The whole table as plain text, for `--once`. */
export function formatTable(jobs: readonly Job[], nowMs: number, width = 120): string {
  const widths = layoutColumns(width);
  const lines = [formatHeader(widths), ...jobs.map((j) => formatRow(jobRow(j, nowMs), widths))];
  return lines.map((l) => l.trimEnd()).join('\n') + '\n';
}

/** `--json`: the rows a person sees plus the raw fields a script wants. */
export function tableJson(jobs: readonly Job[], nowMs: number): string {
  return JSON.stringify(
    jobs.map((j) => ({
      id: j.id,
      name: j.name,
      image: j.image,
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
