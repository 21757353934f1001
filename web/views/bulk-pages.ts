import type { Job } from '#protocol';
import { statusView } from '../format.js';
import { csrfField } from './layout.js';
import { h, type Html } from './html.js';

/** The confirmation for removing the selected jobs: each named, one POST button, one way back. */
export function confirmRemoveSelectedPage(jobs: Job[], csrf: string, back: string): Html {
  return h`<section class="confirm" aria-labelledby="confirm-title">
<h1 id="confirm-title">Remove ${jobs.length} ${jobs.length === 1 ? 'job' : 'jobs'}?</h1>
<ul>${jobs.map((j) => {
    const st = statusView(j);
    return h`<li>Job ${j.id} “${j.name}” <span class="status tone-${st.tone}">${st.label}</span></li>`;
  })}</ul>
<p>Running jobs are stopped first. Their containers, records and whole logs are deleted. This cannot be undone.</p>
<form method="post" action="/jobs/bulk" class="inline">
  ${csrfField(csrf)}
  <input type="hidden" name="back" value="${back}">
  <input type="hidden" name="action" value="remove">
  <input type="hidden" name="confirmed" value="yes">
  ${jobs.map((j) => h`<input type="hidden" name="ids[]" value="${j.id}">`)}
  <button type="submit" class="danger">Remove ${jobs.length} ${jobs.length === 1 ? 'job' : 'jobs'}</button>
</form>
<a class="button" href="${back}">Cancel</a>
</section>`;
}

/** The confirmation for job.removeMany on every finished job (exited and error), with the count. */
export function confirmRemoveFinishedPage(counts: { exited: number; error: number }, csrf: string, back: string): Html {
  const total = counts.exited + counts.error;
  return h`<section class="confirm" aria-labelledby="confirm-title">
<h1 id="confirm-title">Remove all ${total} finished ${total === 1 ? 'job' : 'jobs'}?</h1>
<p id="finished-count">${counts.exited} exited and ${counts.error} with an error. Their containers, records and whole logs are deleted. Running and pending jobs are kept. This cannot be undone.</p>
${total > 0
    ? h`<form method="post" action="/jobs/remove-finished" class="inline">
  ${csrfField(csrf)}
  <input type="hidden" name="back" value="${back}">
  <input type="hidden" name="confirmed" value="yes">
  <button type="submit" class="danger">Remove ${total} finished ${total === 1 ? 'job' : 'jobs'}</button>
</form>`
    : ''}
<a class="button" href="${back}">${total > 0 ? 'Cancel' : 'Back'}</a>
</section>`;
}
