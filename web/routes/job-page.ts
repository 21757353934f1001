import { Hono } from 'hono';
import type { JobStats } from '#protocol';
import { describeError, httpStatusOf, type Web, type WebCtx, type WebEnv } from '../context.js';
import { statusView } from '../format.js';
import { jobIdParam } from '../paths.js';
import { jobPage } from '../views/job-page.js';
import { messagePage } from '../views/message-page.js';

/** The page of one job (`/jobs/<id>`; `/jobs/<id>/ports/...` is the server's port proxy, never
 * routed here), its live numbers as JSON for job.js, and Re-run. */
export function jobPageRoutes(web: Web): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  const notFound = (c: WebCtx) => web.render(c, 404, 'Not found', messagePage('Not found', 'There is no such job.'));

  app.get('/jobs/:id', async (c) => {
    const s = c.get('session');
    const id = jobIdParam(c.req.param('id'));
    if (id === null) return notFound(c);
    try {
      const job = await web.withApi(s, (api) => api.call('job.get', { id }));
      const [stats, host] = await Promise.all([job.status === 'running' ? statsOf(web, c, id) : null, web.hostUnenforced(s)]);
      return web.render(c, 200, `Job ${job.name}`, jobPage({ job, stats, hostUnenforced: host.limits }, { csrf: s.csrf, now: new Date() }), {
        scripts: ['job.js'],
        banner: host,
      });
    } catch (e) {
      return web.render(c, httpStatusOf(e), 'Job', messagePage('Cannot show the job', describeError(e, `find job ${id}`)));
    }
  });

  // What job.js refreshes: the numbers and the status, rendered the same way as the page.
  app.get('/jobs/:id/stats', async (c) => {
    const s = c.get('session');
    const id = jobIdParam(c.req.param('id'));
    if (id === null) return c.json({ error: 'There is no such job.' }, 404);
    c.header('Cache-Control', 'no-store');
    try {
      const job = await web.withApi(s, (api) => api.call('job.get', { id }));
      const stats = job.status === 'running' ? await statsOf(web, c, id) : null;
      return c.json({ status: statusView(job), running: job.status === 'running', stats });
    } catch (e) {
      return c.json({ error: describeError(e, `read job ${id}`) }, httpStatusOf(e));
    }
  });

  app.post('/jobs/:id/rerun', async (c) => {
    const s = c.get('session');
    const id = jobIdParam(c.req.param('id'));
    if (id === null) return notFound(c);
    try {
      const job = await web.withApi(s, (api) => api.call('job.rerun', { id }));
      s.flash = { kind: 'ok', text: `Job ${job.id} “${job.name}” created from job ${id}; it starts in the background.` };
      web.deps.logger.info({ user: s.user, job: job.id, from: id }, 'web: job re-run');
      return c.redirect(`/jobs/${job.id}`, 303);
    } catch (e) {
      s.flash = { kind: 'error', text: describeError(e, `re-run job ${id}`) };
      return c.redirect(`/jobs/${id}`, 303);
    }
  });

  return app;
}

/** A job that ends between job.get and job.stats has no stats: that is not an error for the page. */
async function statsOf(web: Web, c: WebCtx, id: number): Promise<JobStats | null> {
  try {
    return await web.withApi(c.get('session'), (api) => api.call('job.stats', { id }));
  } catch {
    return null;
  }
}
