import { Hono } from 'hono';
import { ErrorCode, isRpcError, type Job } from '#protocol';
import { describeError, httpStatusOf, SignedOutError, type Web, type WebCtx, type WebEnv, type WebSession } from '../context.js';
import { emptyJobForm, errorsFromRpc, formValuesFrom, formValuesOfJob, parseJobForm, type FormErrors, type JobFormValues } from '../job-form.js';
import { firstPageQuery, listUrl, parseListQuery, type ParsedListQuery } from '../list-query.js';
import { jobIdParam, localPath } from '../paths.js';
import { presets } from '../presets.js';
import { confirmRemovePage } from '../views/confirm-page.js';
import { jobsPage, type JobsPageData } from '../views/jobs-page.js';
import { messagePage } from '../views/message-page.js';

/** The job list with its create form, and every per-job action (all POST). */
export function jobRoutes(web: Web): Hono<WebEnv> {
  const app = new Hono<WebEnv>();

  async function listPage(c: WebCtx, parsed: ParsedListQuery, form: JobFormValues, errors: FormErrors | null, status: 200 | 409 | 422 | 429 | 500 | 503, formOpen = false) {
    const s = c.get('session');
    const { query, ignored } = parsed;
    let list: Omit<JobsPageData, 'query' | 'ignored' | 'form' | 'errors' | 'listError'> = { jobs: [], nextCursor: null, total: null, totalCapped: false, newestId: null };
    let listError: string | null = null;
    try {
      list = await web.withApi(s, async (api) => {
        const filter = { ...(query.status ? { status: query.status } : {}), ...(query.search ? { search: query.search } : {}) };
        // Past the first page, the newest job's id too: live updates tell new jobs by it.
        const [page, newest] = await Promise.all([
          api.call('job.list', { ...filter, limit: query.limit, count: true, ...(query.cursor ? { cursor: query.cursor } : {}) }),
          query.cursor ? api.call('job.list', { ...filter, limit: 1 }) : null,
        ]);
        return { jobs: page.jobs, nextCursor: page.nextCursor, total: page.total, totalCapped: page.totalCapped, newestId: newest ? (newest.jobs[0]?.id ?? null) : null };
      });
    } catch (e) {
      if (e instanceof SignedOutError) throw e;
      web.deps.logger.warn({ err: e }, 'web: job.list failed');
      listError = describeError(e, 'load the jobs');
      if (status === 200) {
        const code = httpStatusOf(e);
        status = code === 404 ? 500 : code;
      }
    }
    const back = listUrl(query);
    const host = await web.hostUnenforced(s);
    return web.render(c, status, 'Jobs', jobsPage({ ...list, query, ignored, form, errors, listError, formOpen }, { csrf: s.csrf, back, now: new Date(), hostWide: host.limits }), {
      scripts: ['list.js'],
      banner: host,
    });
  }

  app.get('/', async (c) => {
    const query = parseListQuery((n) => c.req.query(n));
    // ?duplicate=<id>: the form filled in with that job's spec (the job page's Duplicate).
    const from = jobIdParam(c.req.query('duplicate'));
    const preset = presets.find((p) => p.id === c.req.query('preset'));
    if (preset) return listPage(c, query, { ...emptyJobForm, ...preset.values }, null, 200, true);
    if (from === null) return listPage(c, query, emptyJobForm, null, 200, c.req.query('new') === '1');
    try {
      const job = await web.withApi(c.get('session'), (api) => api.call('job.get', { id: from }));
      return listPage(c, query, formValuesOfJob(job), null, 200, true);
    } catch (e) {
      return listPage(c, query, emptyJobForm, { fields: {}, general: describeError(e, `copy job ${from}`) }, 200);
    }
  });

  app.post('/jobs', async (c) => {
    const s = c.get('session');
    const values = formValuesFrom(await c.req.parseBody());
    const parsed = parseJobForm(values);
    const firstPage = { query: firstPageQuery, ignored: [] };
    if (!parsed.ok) return listPage(c, firstPage, values, parsed.errors, 422);
    try {
      const job = await web.withApi(s, (api) => api.call('job.create', parsed.spec));
      s.flash = { kind: 'ok', text: `Job ${job.id} “${job.name}” created; it starts in the background.` };
      web.deps.logger.info({ user: s.user, job: job.id }, 'web: job created');
      return c.redirect('/', 303);
    } catch (e) {
      const errors = errorsFromRpc(e);
      if (!isRpcError(e)) web.deps.logger.error({ err: e }, 'web: job.create failed');
      return listPage(c, firstPage, values, errors, createStatus(e));
    }
  });

  const action = (name: 'refresh' | 'stop' | 'kill', run: (s: WebSession, id: number) => Promise<Job>, done: (j: Job) => string) =>
    app.post(`/jobs/:id/${name}`, async (c) => {
      const s = c.get('session');
      const back = localPath((await c.req.parseBody()).back);
      const id = jobIdParam(c.req.param('id'));
      if (id === null) return web.render(c, 404, 'Not found', messagePage('Not found', 'There is no such job.'));
      try {
        s.flash = { kind: 'ok', text: done(await run(s, id)) };
      } catch (e) {
        s.flash = { kind: 'error', text: describeError(e, `${name} job ${id}`) };
      }
      return c.redirect(back, 303);
    });

  action(
    'refresh',
    (s, id) => web.withApi(s, (api) => api.call('job.refresh', { id })),
    (j) => `Job ${j.id} “${j.name}” refreshed: ${j.status}${j.reason ? ` (${j.reason})` : ''}.`,
  );
  action(
    'stop',
    (s, id) => web.withApi(s, (api) => api.call('job.stop', { id })),
    // The answer is the job stopping (its final state comes later) unless it had no container yet.
    (j) => (j.progress === 'stopping' ? `Job ${j.id} “${j.name}” is stopping.` : `Job ${j.id} “${j.name}” stopped: ${j.status}${j.reason ? ` (${j.reason})` : ''}.`),
  );

  action(
    'kill',
    (s, id) => web.withApi(s, (api) => api.call('job.kill', { id })),
    (j) => `Job ${j.id} “${j.name}” killed: ${j.status}${j.reason ? ` (${j.reason})` : ''}.`,
  );

  async function confirmRemove(c: WebCtx, id: number, back: string) {
    const s = c.get('session');
    try {
      const job = await web.withApi(s, (api) => api.call('job.get', { id }));
      return web.render(c, 200, `Remove job ${id}?`, confirmRemovePage(job, s.csrf, back));
    } catch (e) {
      return web.render(c, httpStatusOf(e), 'Job', messagePage('Cannot remove', describeError(e, `find job ${id}`)));
    }
  }

  // GET only shows the confirmation; nothing is removed without the POST from it.
  app.get('/jobs/:id/remove', (c) => {
    const id = jobIdParam(c.req.param('id'));
    if (id === null) return web.render(c, 404, 'Not found', messagePage('Not found', 'There is no such job.'));
    return confirmRemove(c, id, localPath(c.req.query('back')));
  });

  app.post('/jobs/:id/remove', async (c) => {
    const s = c.get('session');
    const body = await c.req.parseBody();
    const back = localPath(body.back);
    const id = jobIdParam(c.req.param('id'));
    if (id === null) return web.render(c, 404, 'Not found', messagePage('Not found', 'There is no such job.'));
    if (body.confirmed !== 'yes') return confirmRemove(c, id, back);
    try {
      await web.withApi(s, (api) => api.call('job.remove', { id }));
      s.flash = { kind: 'ok', text: `Job ${id} removed, with its container and log.` };
      web.deps.logger.info({ user: s.user, job: id }, 'web: job removed');
    } catch (e) {
      s.flash = { kind: 'error', text: describeError(e, `remove job ${id}`) };
    }
    return c.redirect(back, 303);
  });

  return app;
}

function createStatus(e: unknown): 409 | 422 | 429 | 500 | 503 {
  if (!isRpcError(e)) return 500;
  switch (e.code) {
    case ErrorCode.InvalidParams:
      return 422;
    case ErrorCode.NameTaken:
      return 409;
    case ErrorCode.QuotaExceeded:
      return 429;
    case ErrorCode.DockerUnavailable:
    case ErrorCode.DatabaseUnavailable:
      return 503;
    default:
      return 500;
  }
}
