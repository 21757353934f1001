import { describe, expect, it } from 'vitest';
import { columns, formatHeader, formatRow, formatTable, jobRow, layoutColumns, tableJson } from '../../../tui/rows.js';
import { makeJob } from '../../support/job.js';

const now = Date.parse('2026-01-01T00:01:01.000Z');

describe('job table rows', () => {
  it('has every column the issue asks for', () => {
    expect(columns.map((c) => c.key)).toEqual(['id', 'name', 'status', 'command', 'image', 'exit', 'time', 'cpus', 'memory', 'io']);
    const row = jobRow(makeJob({ id: 7, status: 'exited', reason: 'failed', exitCode: 3, finishedAt: '2026-01-01T00:00:31.000Z' }), now);
    expect(row).toEqual({ id: '7', name: 'hello', image: 'busybox', status: 'exited (failed)', command: 'echo hi', exit: '3', cpus: '0.5', memory: '128 MiB', io: '500', time: 'ran 30s' });
    expect(jobRow(makeJob({ cmd: null, argv: ['python3', '-c', "print('hi')"] }), now).command).toBe(`python3 -c 'print('\\''hi'\\'')'`);
  });
  it('layout fills the width exactly and never goes below the minimums', () => {
    for (const w of [60, 80, 120, 160, 233]) {
      const { columns: shown, widths } = layoutColumns(w);
      expect(widths.reduce((a, b) => a + b, 0) + shown.length - 1).toBe(w);
      widths.forEach((x, i) => expect(x).toBeGreaterThanOrEqual(shown[i]!.min));
    }
  });
  it('a narrow table drops the least important columns; name, status and command stay', () => {
    const keysAt = (w: number) => layoutColumns(w).columns.map((c) => c.key);
    expect(keysAt(160)).toEqual(columns.map((c) => c.key));
    expect(keysAt(78)).toEqual(expect.arrayContaining(['id', 'name', 'status', 'command']));
    expect(keysAt(78)).not.toContain('io');
    expect(keysAt(40)).toEqual(['id', 'name', 'status', 'command'].slice(0, keysAt(40).length));
  });
  it('widths follow the content: a 7-digit id fits, a short status leaves room for the command', () => {
    const rows = [jobRow(makeJob({ id: 1234567, cmd: 'while true; do date; sleep 5; done' }), now)];
    const layout = layoutColumns(120, rows);
    const line = formatRow(rows[0]!, layout);
    expect(line).toContain('1234567 hello');
    expect(line).toContain('while true; do date; sleep 5; done');
    // STATUS takes its minimum (9) for `running`; the command gets the rest.
    expect(layout.widths[layout.columns.findIndex((c) => c.key === 'status')]).toBe(9);
  });
  it('rows line up under the header', () => {
    const layout = layoutColumns(120);
    const header = formatHeader(layout);
    const row = formatRow(jobRow(makeJob({ id: 12345 }), now), layout);
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
