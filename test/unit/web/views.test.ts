import { describe, expect, it } from 'vitest';
import { emptyJobForm } from '../../../web/job-form.js';
import { createForm } from '../../../web/views/create-form.js';
import { jobRow } from '../../../web/views/job-row.js';
import { jobsPage, listUrl } from '../../../web/views/jobs-page.js';
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

  it('the list page: filters, pagination links, empty state', () => {
    const html = jobsPage(
      { jobs: [], nextCursor: 'c2', query: { status: 'exited', search: 'a b', cursor: 'c1' }, form: emptyJobForm, errors: null, listError: null },
      ctx,
    ).toString();
    expect(html).toContain('No job matches.');
    expect(html).toContain('<option value="exited" selected>');
    expect(html).toContain(`href="${listUrl({ status: 'exited', search: 'a b', cursor: 'c2' }).replace(/&/g, '&amp;')}"`);
    expect(html).toContain('href="/?status=exited&amp;search=a+b"');
    expect(listUrl({})).toBe('/');
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
