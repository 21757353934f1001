import { describe, expect, it } from 'vitest';
import { logViewOf, logViewQuery } from '../../../web/log-view.js';
import { logPage } from '../../../web/views/log-page.js';
import { sampleJob } from './sample-job.js';

const q = (o: Record<string, string>) => (n: string) => o[n];

describe('the log view', () => {
  it('reads its choices from the query, with defaults, and writes them back', () => {
    expect(logViewOf(q({}))).toMatchObject({ show: { value: '20k', bytes: 20480 }, timestamps: false, wrap: true });
    expect(logViewOf(q({ show: '100l', timestamps: '1', opts: '1' }))).toMatchObject({ show: { lines: 100 }, timestamps: true, wrap: false });
    expect(logViewOf(q({ show: 'everything', wrap: '0' }))).toMatchObject({ show: { value: '20k' }, wrap: false });
    expect(logViewQuery(logViewOf(q({ show: '1m', timestamps: '1', wrap: '1', opts: '1' })))).toBe('?show=1m&timestamps=1');
    expect(logViewQuery(logViewOf(q({})))).toBe('');
  });

  it('shows the last N lines, times per line, and no wrap when asked', () => {
    const chunks = Array.from({ length: 5 }, (_, i) => ({ stream: 'stdout' as const, text: `line ${i}\n`, at: `2026-11-27T15:00:0${i}.123Z` }));
    const html = logPage({ job: sampleJob(), chunks, size: 35, truncated: false, followFrom: null, view: { ...logViewOf(q({ show: '100l' })), show: { value: '100l', label: 'x', bytes: 1, lines: 2 } as never, timestamps: true, wrap: false } }).toString();
    expect(html).not.toContain('line 2');
    expect(html).toContain('<time class="ts" datetime="2026-11-27T15:00:04.123Z">15:00:04.123</time><span class="tag"></span><span class="txt"><span class="o">line 4</span>');
    expect(html).toContain('Showing the last 2 lines of');
    expect(html).toContain('class="log nowrap"');
    expect(html).toContain('data-timestamps="true"');
  });
});
