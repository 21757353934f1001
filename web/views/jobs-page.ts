import { jobStatuses, type Job } from '#protocol';
import type { FormErrors, JobFormValues } from '../job-form.js';
import { createForm } from './create-form.js';
import { jobColumns, jobRow, type RowContext } from './job-row.js';
import { h, type Html } from './html.js';
import { csrfField } from './layout.js';

export interface ListQuery {
  status: string;
  search: string;
  cursor: string;
}

export interface JobsPageData {
  jobs: Job[];
  nextCursor: string | null;
  query: ListQuery;
  form: JobFormValues;
  errors: FormErrors | null;
  /** Set when the list itself could not be loaded. */
  listError: string | null;
  /** Show the form open (a preset, a duplicate, ?new=1). */
  formOpen?: boolean;
}

/** The list URL for a query, always a local path. */
export function listUrl(q: Partial<ListQuery>): string {
  const p = new URLSearchParams();
  if (q.status) p.set('status', q.status);
  if (q.search) p.set('search', q.search);
  if (q.cursor) p.set('cursor', q.cursor);
  const s = p.toString();
  return s ? `/?${s}` : '/';
}

export function jobsPage(d: JobsPageData, ctx: RowContext): Html {
  const { query } = d;
  const filtered = Boolean(query.status || query.search);
  return h`<section class="jobs" aria-labelledby="jobs-title">
<div class="section-head">
  <h1 id="jobs-title">Jobs</h1>
  <a class="button" href="${listUrl(query)}" id="reload">Refresh list</a>
  <span class="live" id="live" hidden>● live</span>
</div>
${createForm(d.form, d.errors, ctx.csrf, d.formOpen ?? false)}
<form class="filters" method="get" action="/" role="search">
  <label>Search <input type="search" name="search" value="${query.search}" placeholder="name or image" maxlength="200"></label>
  <label>Status <select name="status">
    <option value="">any</option>
    ${jobStatuses.map((s) => h`<option value="${s}"${s === query.status ? ' selected' : ''}>${s}</option>`)}
  </select></label>
  <button type="submit">Filter</button>
  ${filtered ? h`<a href="/">Clear</a>` : ''}
</form>
${d.listError ? h`<p class="flash flash-error" role="alert">${d.listError}</p>` : ''}
<form class="bulk" id="bulk" method="post" action="/jobs/bulk">
  ${csrfField(ctx.csrf)}<input type="hidden" name="back" value="${ctx.back}">
  <span class="bulk-label">Selected:</span>
  <button type="submit" name="action" value="stop">Stop selected</button>
  <button type="submit" name="action" value="remove" class="danger">Remove selected…</button>
  <a class="button danger" href="/jobs/remove-finished?back=${encodeURIComponent(ctx.back)}">Remove all finished…</a>
</form>
<table class="job-table" id="jobs" data-first-page="${query.cursor ? 'false' : 'true'}" data-status="${query.status}" data-search="${query.search}" data-back="${ctx.back}">
<thead><tr>${jobColumns.map((c) => (c === 'Select' ? h`<th scope="col"><span class="visually-hidden">Select</span></th>` : h`<th scope="col">${c}</th>`))}</tr></thead>
<tbody>
${d.jobs.length === 0 ? h`<tr class="empty"><td colspan="${jobColumns.length}">${filtered ? 'No job matches.' : 'No jobs yet: create one with New job above.'}</td></tr>` : ''}
${d.jobs.map((j) => jobRow(j, ctx))}
</tbody>
</table>
<nav class="pages" aria-label="Pages">
  ${query.cursor ? h`<a href="${listUrl({ ...query, cursor: '' })}">← Newest</a>` : ''}
  ${d.nextCursor ? h`<a href="${listUrl({ ...query, cursor: d.nextCursor })}">Older →</a>` : ''}
</nav>
</section>`;
}
