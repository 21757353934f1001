import { Hono } from 'hono';
import { finishedStatuses, type Job, type JobStatus } from '#protocol';
import { describeError, SignedOutError, type Web, type WebCtx, type WebEnv } from '../context.js';
import type { LocalApi } from '../types.js';
import { jobIdParam, localPath } from '../paths.js';
import { confirmRemoveFinishedPage, confirmRemoveSelectedPage } from '../views/bulk-pages.js';

const maxSelected = 500;

/** Actions on many jobs at once: the list's checkboxes (stop or remove the selected) and "Remove all
 * finished" (job.removeMany), each removal after a confirmation page. */
export function bulkRoutes(web: Web): Hono<WebEnv> {
  const app = new Hono<WebEnv>();

  app.post('/jobs/bulk', async (c) => {
    const s = c.get('session');
    const body = await c.req.parseBody();
    const back = localPath(body.back);
    const raw = body['ids[]'];
    const ids = [...new Set((Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map((v) => jobIdParam(typeof v === 'string' ? v : undefined)))]
      .filter((id): id is number => id !== null)
      .slice(0, maxSelected);
    if (ids.length === 0) {
      s.flash = { kind: 'error', text: 'Select one or more jobs first (the boxes at the start of each row).' };
      return c.redirect(back, 303);
    }
    if (body.action === 'stop') {
      const failed = await eachJob(web, c, ids, (api, id) => api.call('job.stop', { id }));
      s.flash = failed.length
        ? { kind: 'error', text: `Stopping ${ids.length - failed.length} of ${ids.length} jobs; ${failed.join(' ')}` }
        : { kind: 'ok', text: `Stopping ${ids.length} ${ids.length === 1 ? 'job' : 'jobs'}.` };
      return c.redirect(back, 303);
    }
    if (body.action !== 'remove') return c.text('Unknown action', 400);
    if (body.confirmed !== 'yes') {
      const jobs: Job[] = [];
      await eachJob(web, c, ids, async (api, id) => jobs.push(await api.call('job.get', { id })));
      return web.render(c, 200, `Remove ${jobs.length} jobs?`, confirmRemoveSelectedPage(jobs, s.csrf, back));
    }
    const failed = await eachJob(web, c, ids, (api, id) => api.call('job.remove', { id }));
    web.deps.logger.info({ user: s.user, jobs: ids.length, failed: failed.length }, 'web: jobs removed');
    s.flash = failed.length
      ? { kind: 'error', text: `Removed ${ids.length - failed.length} of ${ids.length} jobs; ${failed.join(' ')}` }
      : { kind: 'ok', text: `Removed ${ids.length} ${ids.length === 1 ? 'job' : 'jobs'}, with their containers and logs.` };
    return c.redirect(back, 303);
  });

  app.get('/jobs/remove-finished', async (c) => {
    const s = c.get('session');
    const back = localPath(c.req.query('back'));
    try {
      const [exited, error] = await Promise.all(finishedStatuses.map((status) => countJobs(web, c, status)));
      return web.render(c, 200, 'Remove finished jobs?', confirmRemoveFinishedPage({ exited: exited!, error: error! }, s.csrf, back));
    } catch (e) {
      s.flash = { kind: 'error', text: describeError(e, 'count the finished jobs') };
      return c.redirect(back, 303);
    }
  });

  app.post('/jobs/remove-finished', async (c) => {
    const s = c.get('session');
    const body = await c.req.parseBody();
    const back = localPath(body.back);
    if (body.confirmed !== 'yes') return c.redirect(`/jobs/remove-finished?back=${encodeURIComponent(back)}`, 303);
    try {
      const removed = await web.withApi(s, async (api) => {
        let n = 0;
        for (const status of finishedStatuses) n += (await api.call('job.removeMany', { status })).removed.length;
        return n;
      });
      web.deps.logger.info({ user: s.user, jobs: removed }, 'web: finished jobs removed');
      s.flash = { kind: 'ok', text: `Removed ${removed} finished ${removed === 1 ? 'job' : 'jobs'}.` };
    } catch (e) {
      s.flash = { kind: 'error', text: describeError(e, 'remove the finished jobs') };
    }
    return c.redirect(back, 303);
  });

  return app;
}

/** Runs fn for each id in turn; returns one message per failure (the rest still run). */
async function eachJob(web: Web, c: WebCtx, ids: number[], fn: (api: LocalApi, id: number) => Promise<unknown>): Promise<string[]> {
  const failed: string[] = [];
  for (const id of ids) {
    try {
      await web.withApi(c.get('session'), (api) => fn(api, id));
    } catch (e) {
      if (e instanceof SignedOutError) throw e;
      failed.push(describeError(e, `act on job ${id}`));
    }
  }
  return failed;
}

async function countJobs(web: Web, c: WebCtx, status: JobStatus): Promise<number> {
  const { total } = await web.withApi(c.get('session'), (api) => api.call('job.list', { status, limit: 1, count: true }));
  // Asked with count: true, the server always answers a number (exact without a search).
  if (total === null) throw new Error('job.list did not count');
  return total;
}
