import type { Job } from '#protocol';
import { statusView } from '../format.js';
import { csrfField } from './layout.js';
import { h, type Html } from './html.js';

/** The no-JavaScript confirmation for an irreversible remove: one POST button, one way back. */
export function confirmRemovePage(job: Job, csrf: string, back: string): Html {
  const st = statusView(job);
  return h`<section class="confirm" aria-labelledby="confirm-title">
<h1 id="confirm-title">Remove job ${job.id} “${job.name}”?</h1>
<p>Status: <span class="status tone-${st.tone}">${st.label}</span>${st.detail ? h` <span class="detail">${st.detail}</span>` : ''}.</p>
<p>This stops the job if it is running and deletes its container, its record and its whole log. It cannot be undone.</p>
<form method="post" action="/jobs/${job.id}/remove" class="inline">
  ${csrfField(csrf)}
  <input type="hidden" name="back" value="${back}">
  <input type="hidden" name="confirmed" value="yes">
  <button type="submit" class="danger">Remove job ${job.id}</button>
</form>
<a class="button" href="${back}">Cancel</a>
</section>`;
}
