import { jobStatuses, type Job } from '#protocol';
import type { FormErrors, JobFormValues } from '../job-form.js';
import { listUrl, pageSizes, type ListQuery } from '../list-query.js';
import { createForm } from './create-form.js';
import { jobColumns, jobRow, type RowContext } from './job-row.js';
import { h, type Html } from './html.js';
import { csrfField } from './layout.js';

export interface JobsPageData {
  jobs: Job[];
  nextCursor: string | null;
  /** How many jobs the whole list holds (job.list's total); null when the server did not count. */
  total: number | null;
  /** The total is a floor: the server stopped counting a search's matches there. */
  totalCapped: boolean;
  /** On a page other than the first: the newest matching job's id when it was read, so live
   * updates can tell new jobs (announced) from ones on newer pages. */
  newestId: number | null;
  query: ListQuery;
  /** Query-string parameters left out, one sentence each. */
  ignored: string[];
  form: JobFormValues;
  errors: FormErrors | null;
  /** Set when the list itself could not be loaded. */
  listError: string | null;
  /** Show the form open (a preset, a duplicate, ?new=1). */
  formOpen?: boolean;
}

const count = (n: number) => n.toLocaleString('en-US');

/** "Showing 51–100 of 100,234 jobs" ("of 1,000 or more" where the server stopped counting), or
 * without a total "Showing 1–50 jobs — more". The numbers are spans list.js bumps as rows arrive and
 * go on the first page. */
export function pageSummary(d: Pick<JobsPageData, 'jobs' | 'nextCursor' | 'total' | 'totalCapped' | 'query'>): Html {
  const n = d.jobs.length;
  const { start, cursor } = d.query;
  const filtered = d.query.status || d.query.search ? 'matching ' : '';
  // The noun follows the number before it; list.js re-reads it when it moves that number.
  const noun = h`<span data-noun="${filtered}">${filtered}${(d.total ?? n) === 1 ? 'job' : 'jobs'}</span>`;
  const end = start === null ? null : start + n - 1;
  // A carried start can be stale (jobs removed since): no range that runs past the total.
  const range = start !== null && end !== null && n > 0 && (d.total === null || d.totalCapped || end <= d.total) ? h`<span data-count="first">${count(start)}</span>–<span data-count="last">${count(end)}</span>` : h`<span data-count="shown">${count(n)}</span>`;
  const where = start === null && cursor ? h`, from before job ${cursor}` : '';
  if (d.total !== null) return h`Showing ${range} of <span data-count="total">${count(d.total)}</span>${d.totalCapped ? ' or more' : ''} ${noun}${where}`;
  return h`Showing ${range} ${noun}${where}${d.nextCursor ? ' — more' : cursor ? ', the oldest' : ''}`;
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
  <label>Per page <select name="limit">
    ${[...new Set([...pageSizes, query.limit])].sort((a, b) => a - b).map((n) => h`<option value="${n}"${n === query.limit ? ' selected' : ''}>${n}</option>`)}
  </select></label>
  <button type="submit">Filter</button>
  ${filtered ? h`<a href="/">Clear</a>` : ''}
</form>
${d.ignored.map((text) => h`<p class="flash flash-error" role="alert">${text}</p>`)}
${d.listError ? h`<p class="flash flash-error" role="alert">${d.listError}</p>` : ''}
<form class="bulk" id="bulk" method="post" action="/jobs/bulk">
  ${csrfField(ctx.csrf)}<input type="hidden" name="back" value="${ctx.back}">
  <span class="bulk-label">Selected:</span>
  <button type="submit" name="action" value="stop">Stop selected</button>
  <button type="submit" name="action" value="remove" class="danger">Remove selected…</button>
  <a class="button danger" href="/jobs/remove-finished?back=${encodeURIComponent(ctx.back)}">Remove all finished…</a>
</form>
${d.listError || (d.jobs.length === 0 && !query.cursor) ? '' : h`<p class="page-summary" id="page-summary">${pageSummary(d)}</p>`}
<p class="newer" id="newer" role="status" data-href="${listUrl({ ...query, cursor: '', start: 1 })}"></p>
<table class="job-table" id="jobs" data-first-page="${query.cursor ? 'false' : 'true'}" data-newest="${d.newestId ?? ''}" data-status="${query.status}" data-search="${query.search}" data-cursor="${query.cursor}" data-limit="${query.limit}" data-back="${ctx.back}">
<thead><tr>${jobColumns.map((c) => (c === 'Select' ? h`<th scope="col"><span class="visually-hidden">Select</span></th>` : h`<th scope="col">${c}</th>`))}</tr></thead>
<tbody>
${d.jobs.length === 0 ? h`<tr class="empty"><td colspan="${jobColumns.length}">${query.cursor ? 'No jobs here any more: they were removed since this link was made.' : filtered ? 'No job matches.' : 'No jobs yet: create one with New job above.'}</td></tr>` : ''}
${d.jobs.map((j) => jobRow(j, ctx))}
</tbody>
</table>
${query.cursor || d.nextCursor
  ? h`<nav class="pages" aria-label="Pages of the job list">
  ${query.cursor ? h`<a href="${listUrl({ ...query, cursor: '', start: 1 })}" rel="first">← Newest</a>` : ''}
  ${d.nextCursor ? h`<a href="${listUrl({ ...query, cursor: d.nextCursor, start: query.start === null ? null : query.start + d.jobs.length })}" rel="next">Older →</a>` : ''}
</nav>`
  : ''}
</section>`;
}
