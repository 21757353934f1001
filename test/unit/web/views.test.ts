import { describe, expect, it } from 'vitest';
import { emptyJobForm } from '../../../web/job-form.js';
import { createForm } from '../../../web/views/create-form.js';
import { jobRow } from '../../../web/views/job-row.js';
import { listUrl } from '../../../web/list-query.js';
import { jobsPage, pageSummary } from '../../../web/views/jobs-page.js';
import { lineHtml, logPage } from '../../../web/views/log-page.js';
import { page } from '../../../web/views/layout.js';
import { sampleJob } from './sample-job.js';

const ctx = { csrf: 'CSRF123', back: '/?status=running', now: new Date('2025-11-26T16:01:13.000Z') };
const evil = '<script>alert("x")</script>';

describe('web views', () => {
  it('a row shows every column, with actions as POST forms carrying the CSRF token', () => {
    const row = jobRow(sampleJob(), ctx).toString();
    expect(row).toContain('id="job-7"');
    expect(row).toContain('<strong>hello</strong>');
    expect(row).toContain('busybox:latest');
    expect(row).toContain('>running<');
    expect(row).toContain('0.5 CPU · 256 MB · IO 500');
    expect(row).toContain('<span class="nw">2025-11-26</span> <span class="nw">16:01:02 UTC</span>');
    expect(row).toContain('>10s<');
    expect(row).toContain('data-started="2025-11-26T16:01:03.000Z"');
    expect(row).toContain('title="blkio weight needs BFQ"');
    expect(row).toContain('IO weight not enforced');
    for (const a of ['refresh', 'stop', 'remove']) expect(row).toContain(`<form method="post" action="/jobs/7/${a}"`);
    expect(row.match(/name="csrf" value="CSRF123"/g)).toHaveLength(3);
    expect(row).toContain('name="back" value="/?status=running"');
    expect(row).toContain('href="/jobs/7/log"');
  });

  it('a finished row has no stop button and shows the exit code and reason', () => {
    const row = jobRow(sampleJob({ status: 'exited', reason: 'failed', exitCode: 3, finishedAt: '2025-11-26T16:01:05.000Z' }), ctx).toString();
    expect(row).not.toContain('/stop');
    expect(row).toContain('>3<');
    expect(row).toContain('failed');
    expect(row).toContain('>2s<');
    expect(row).not.toContain('data-started');
  });

  it('escapes everything that comes from a job', () => {
    const row = jobRow(sampleJob({ name: evil, image: evil, cmd: evil, reason: evil, status: 'error', enforced: { cpus: true, memory: true, ioWeight: false, pids: true, note: evil } }), ctx).toString();
    expect(row).not.toContain('<script>');
    expect(row).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
  });

  it('places each form error under its field with the typed values kept', () => {
    const html = createForm({ ...emptyJobForm, name: 'x"y', memoryMb: '3', cmd: '</textarea><b>' }, { fields: { memoryMb: 'must be at least 6' } }, 'T').toString();
    expect(html).toMatch(/id="f-memoryMb" name="memoryMb" aria-invalid="true" aria-describedby="e-memoryMb" value="3"/);
    expect(html).toContain('<p class="field-error" id="e-memoryMb">Memory must be at least 6</p>');
    expect(html).not.toContain('id="e-name"');
    expect(html).toContain('value="x&quot;y"');
    expect(html).toContain('&lt;/textarea&gt;&lt;b&gt;</textarea>');
  });

  it('the list page: filters, paging links in a labelled nav, empty state', () => {
    const query = { status: 'exited', search: 'a b', cursor: '900', limit: 20, start: 41 } as const;
    const html = jobsPage({ jobs: [], nextCursor: '880', total: null, totalCapped: false, newestId: 950, query, ignored: [], form: emptyJobForm, errors: null, listError: null }, ctx).toString();
    expect(html).toContain('No jobs here any more');
    expect(html).toContain('<option value="exited" selected>');
    expect(html).toContain('<option value="20" selected>20</option>');
    expect(html).toContain('<nav class="pages" aria-label="Pages of the job list">');
    expect(html).toContain('href="/?status=exited&amp;search=a+b&amp;limit=20&amp;cursor=880&amp;start=41" rel="next">Older →</a>');
    expect(html).toContain('href="/?status=exited&amp;search=a+b&amp;limit=20" rel="first">← Newest</a>');
    expect(html).toContain('data-newest="950"');
    const first = jobsPage({ jobs: [], nextCursor: null, total: 0, totalCapped: false, newestId: null, query: { status: '', search: '', cursor: '', limit: 50, start: 1 }, ignored: ['Ignored limit=“0”: must be 1-500. Showing 50 a page.'], form: emptyJobForm, errors: null, listError: null }, ctx).toString();
    expect(first).toContain('No jobs yet');
    expect(first).not.toContain('<nav class="pages"');
    expect(first).toContain('<p class="flash flash-error" role="alert">Ignored limit=“0”: must be 1-500. Showing 50 a page.</p>');
    expect(listUrl({})).toBe('/');
  });

  it('the summary gives the range and the total, or says there are more', () => {
    const jobs = Array.from({ length: 50 }, (_, i) => sampleJob({ id: 1000 - i }));
    const text = (d: Parameters<typeof pageSummary>[0]) => pageSummary(d).toString().replace(/<[^>]+>/g, '');
    const q = { status: '', search: '', cursor: '', limit: 50, start: 1 } as const;
    const counted = { nextCursor: '951', total: 100_234, totalCapped: false, query: q };
    expect(text({ ...counted, jobs })).toBe('Showing 1–50 of 100,234 jobs');
    expect(text({ ...counted, jobs, query: { ...q, cursor: '951', start: 51 } })).toBe('Showing 51–100 of 100,234 jobs');
    expect(text({ ...counted, jobs, total: 120, query: { ...q, status: 'running' } })).toBe('Showing 1–50 of 120 matching jobs');
    expect(text({ ...counted, jobs: jobs.slice(0, 1), nextCursor: null, total: 1, query: { ...q, search: 'web' } })).toBe('Showing 1–1 of 1 matching job');
    // A search counted only up to the server's cap.
    expect(text({ ...counted, jobs, total: 1000, totalCapped: true, query: { ...q, search: 'web', cursor: '951', start: 1001 } })).toBe('Showing 1,001–1,050 of 1,000 or more matching jobs');
    // Without a total: whether there are more.
    expect(text({ ...counted, jobs, total: null })).toBe('Showing 1–50 jobs — more');
    expect(text({ ...counted, jobs: jobs.slice(0, 7), nextCursor: null, total: null, query: { ...q, cursor: '951', start: 51 } })).toBe('Showing 51–57 jobs, the oldest');
    // A link without its position, or one whose position the list has since shrunk below.
    expect(text({ ...counted, jobs, query: { ...q, cursor: '951', start: null } })).toBe('Showing 50 of 100,234 jobs, from before job 951');
    expect(text({ ...counted, jobs, nextCursor: null, total: 60, query: { ...q, cursor: '951', start: 51 } })).toBe('Showing 50 of 60 jobs');
  });

  it('log lines mark stderr with a class and a visible tag, and escape output', () => {
    const err = lineHtml({ pieces: [{ stream: 'stderr', text: evil }], stderr: true }).toString();
    expect(err).toBe('<div class="ln err"><span class="tag">err</span><span class="txt"><span class="e">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</span></span></div>');
    const page = logPage({ job: sampleJob(), chunks: [{ stream: 'stdout', text: 'tick 0\n' }], size: 7, truncated: false, followFrom: 7 }).toString();
    expect(page).toContain('data-follow="/jobs/7/log/events?from=7"');
    expect(page).toContain('href="/jobs/7/log.txt"');
  });

  it('the log page spells out which limits are not enforced and why', () => {
    const note = 'disk vda uses mq-deadline; IO weights need the bfq scheduler';
    const job = sampleJob({ enforced: { cpus: true, memory: true, pids: true, ioWeight: false, note } });
    const page = logPage({ job, chunks: [], size: 0, truncated: false, followFrom: null }).toString();
    expect(page).toContain(`⚠ IO weight not enforced</span> ${note}`);
    const enforced = sampleJob({ enforced: { cpus: true, memory: true, pids: true, ioWeight: true } });
    expect(logPage({ job: enforced, chunks: [], size: 0, truncated: false, followFrom: null }).toString()).not.toContain('not enforced');
  });

  it('the layout loads only same-origin assets and no inline script', () => {
    const html = page({ title: evil, version: '1.0', user: { name: 'ann', csrf: 'T' }, scripts: ['list.js'] }, jobRow(sampleJob(), ctx)).toString();
    expect(html).toContain('<script src="/static/list.js?v=1.0" defer></script>');
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).toContain('action="/logout"');
    expect(html).not.toContain('<script>alert');
  });
});
