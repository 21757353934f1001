import { describe, expect, it } from 'vitest';
import { columns, formatHeader, formatRow, formatTable, jobRow, layoutColumns, tableJson } from '../../../tui/rows.js';
import { makeJob } from '../../support/job.js';

const now = Date.parse('2026-01-01T00:01:01.000Z');

describe('job table rows', () => {
  it('has every column the issue asks for', () => {
    expect(columns.map((c) => c.key)).toEqual(['id', 'name', 'image', 'status', 'exit', 'cpus', 'memory', 'io', 'time']);
    const row = jobRow(makeJob({ id: 7, status: 'exited', reason: 'failed', exitCode: 3, finishedAt: '2026-01-01T00:00:31.000Z' }), now);
    expect(row).toEqual({ id: '7', name: 'hello', image: 'busybox', status: 'exited (failed)', exit: '3', cpus: '0.5', memory: '128 MiB', io: '500', time: 'ran 30s' });
  });
  it('layout fills the width exactly and never goes below the minimums', () => {
    for (const w of [80, 120, 160, 233]) {
      const widths = layoutColumns(w);
      expect(widths.reduce((a, b) => a + b, 0) + columns.length - 1).toBe(w);
      widths.forEach((x, i) => expect(x).toBeGreaterThanOrEqual(columns[i]!.width));
    }
  });
  it('rows line up under the header', () => {
    const widths = layoutColumns(120);
    const header = formatHeader(widths);
    const row = formatRow(jobRow(makeJob({ id: 12345 }), now), widths);
    expect(header.length).toBe(120);
    expect(row.length).toBe(120);
    expect(header.indexOf('NAME')).toBe(row.indexOf('hello'));
  });
  it('--once text and --json', () => {
    const jobs = [makeJob({ id: 2, name: 'b' }), makeJob({ id: 1, name: 'a', status: 'exited', reason: 'completed', exitCode: 0 })];
    const text = formatTable(jobs, now, 100);
    expect(text.split('\n')[0]).toMatch(/^\s*ID NAME/);
    expect(text).toContain('exited (completed)');
    const json = JSON.parse(tableJson(jobs, now)) as { id: number; label: string; exitCode: number | null }[];
    expect(json.map((j) => j.id)).toEqual([2, 1]);
    expect(json[1]).toMatchObject({ label: 'exited (completed)', exitCode: 0 });
  });
});
