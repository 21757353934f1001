import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Job } from '#protocol';
import type { Web, WebEnv } from '../context.js';
import { localPath } from '../paths.js';
import { jobRow } from '../views/job-row.js';
import { parseListQuery, type ListQuery } from '../list-query.js';
import { createSignal, runStream, tooManyStreams } from './streams.js';

/** Whether a job belongs in a list filtered by this query (the server's search: name or image). */
export function matchesQuery(job: Pick<Job, 'status' | 'name' | 'image'>, q: Pick<ListQuery, 'status' | 'search'>): boolean {
  if (q.status && job.status !== q.status) return false;
  if (!q.search) return true;
  const needle = q.search.toLowerCase();
  return job.name.toLowerCase().includes(needle) || job.image.toLowerCase().includes(needle);
}

/** GET /events: the live job list. Every job.updated becomes an SSE `job` event carrying the row's
 * HTML (rendered here, escaped like the page) so web/static/list.js only swaps rows; job.removed
 * becomes a `removed` event. */
export function eventRoutes(web: Web): Hono<WebEnv> {
  const app = new Hono<WebEnv>();

  app.get('/events', (c) => {
    const s = c.get('session');
    if (tooManyStreams(web, s)) return c.text('Too many open event streams for this session.', 429);
    const { query } = parseListQuery((n) => c.req.query(n));
    const back = localPath(c.req.query('back'));
    c.header('X-Accel-Buffering', 'no');
    return streamSSE(c, (stream) =>
      runStream(web, s, stream, async (api, until) => {
        // Latest state per job, in arrival order: a burst of updates to one job sends one row.
        const pending = new Map<number, Job>();
        const signal = createSignal(until);
        let over = false;
        void until.then(() => (over = true));
        const removed = new Set<number>();
        api.on('job.updated', ({ job }) => {
          pending.delete(job.id);
          pending.set(job.id, job);
          signal.wake();
        });
        api.on('job.removed', ({ id }) => {
          pending.delete(id);
          removed.add(id);
          signal.wake();
        });
        const hostWide = (await web.hostUnenforced(s)).limits;
        await api.call('events.subscribe', {});
        // Whatever changed between the page's render and this subscription: send the current rows of
        // the first page (a later page counts the new jobs among them) and of the page shown.
        const filter = { ...(query.status ? { status: query.status } : {}), ...(query.search ? { search: query.search } : {}) };
        const [first, shown] = await Promise.all([
          api.call('job.list', { ...filter, limit: query.limit }),
          query.cursor ? api.call('job.list', { ...filter, limit: query.limit, cursor: query.cursor }) : null,
        ]);
        for (const job of [...first.jobs, ...(shown?.jobs ?? [])].reverse()) if (!pending.has(job.id)) pending.set(job.id, job);
        await stream.writeSSE({ event: 'ready', data: '{}', retry: 3000 });
        while (!over) {
          for (const id of removed) {
            removed.delete(id);
            await stream.writeSSE({ event: 'removed', data: JSON.stringify({ id }) });
          }
          for (const job of pending.values()) {
            pending.delete(job.id);
            const html = jobRow(job, { csrf: s.csrf, back, now: new Date(), hostWide }).toString();
            await stream.writeSSE({ event: 'job', data: JSON.stringify({ id: job.id, matches: matchesQuery(job, query), html }) });
          }
          if (pending.size === 0 && removed.size === 0) await signal.wait();
        }
      }),
    );
  });

  return app;
}
