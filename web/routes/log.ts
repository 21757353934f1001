import { Hono } from 'hono';
import { stream as streamBody, streamSSE } from 'hono/streaming';
import { followJobLog, type Job } from '#protocol';
import type { LocalApi } from '../types.js';
import { describeError, httpStatusOf, type Web, type WebCtx, type WebEnv } from '../context.js';
import { ansiSegments, initialAnsiState } from '../ansi.js';
import { statusView } from '../format.js';

import { logViewOf } from '../log-view.js';
import { jobIdParam } from '../paths.js';
import { logPage } from '../views/log-page.js';
import { messagePage } from '../views/message-page.js';
import { runStream, tooManyStreams } from './streams.js';

/** The log page (last 20 KB), its live follow (SSE) and the whole-log download. */
export function logRoutes(web: Web): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  const notFound = (c: WebCtx) =>
    web.render(c, 404, 'Not found', messagePage('Not found', 'There is no such job.'));

  app.get('/jobs/:id/log', async (c) => {
    const s = c.get('session');
    const id = jobIdParam(c.req.param('id'));
    if (id === null) return notFound(c);
    try {
      const view = logViewOf((n) => c.req.query(n));
      const [job, logs] = await web.withApi(s, (api) =>
        Promise.all([api.call('job.get', { id }), api.call('job.logs', { id, tailBytes: view.show.bytes, chunks: true, timestamps: view.timestamps })]),
      );
      const live = job.status === 'pending' || job.status === 'running';
      const host = await web.hostUnenforced(s);
      return web.render(c, 200, `Log of ${job.name}`, logPage({ job, chunks: logs.chunks ?? [], size: logs.size, truncated: logs.truncated, followFrom: live ? logs.size : null, hostWide: host.limits, view }), {
        scripts: ['log.js'],
        banner: host,
      });
    } catch (e) {
      return web.render(c, httpStatusOf(e), 'Log', messagePage('Cannot show the log', describeError(e, `read the log of job ${id}`)));
    }
  });

  // The browser's EventSource reconnects with Last-Event-ID = the offset after the last chunk it
  // got, so a dropped connection resumes with no gap and no repeat.
  app.get('/jobs/:id/log/events', (c) => {
    const s = c.get('session');
    const id = jobIdParam(c.req.param('id'));
    if (id === null) return c.text('no such job', 404);
    if (tooManyStreams(web, s)) return c.text('Too many open event streams for this session.', 429);
    const from = offsetParam(c.req.header('Last-Event-ID')) ?? offsetParam(c.req.query('from')) ?? 0;
    c.header('X-Accel-Buffering', 'no');
    return streamSSE(c, (stream) =>
      runStream(web, s, stream, async (api, until) => {
        const follower = followJobLog(api, id, { from, highWaterBytes: 256 * 1024 });
        // Colours are parsed here, once, so the page only sets class names and textContent.
        const ansi = { stdout: initialAnsiState(), stderr: initialAnsiState() };
        void until.then(() => follower.close());
        for await (const ev of follower) {
          if (stream.aborted) break;
          if (ev.kind === 'chunk') {
            await stream.writeSSE({ event: 'log', id: String(ev.chunk.nextOffset), data: JSON.stringify({ stream: ev.chunk.stream, at: ev.chunk.at, segs: ansiSegments(ev.chunk.data, ansi[ev.chunk.stream]) }) });
          } else {
            // The job's final status for the page's header; retry far in the future: the browser
            // should not reconnect to a finished log.
            const job = ev.reason === 'finished' ? await settledJob(api, id) : null;
            const status = job ? statusView(job) : null;
            await stream.writeSSE({ event: 'end', data: JSON.stringify({ reason: ev.reason, offset: ev.offset, status }), retry: 86_400_000 });
          }
        }
      }),
    );
  });

  app.get('/jobs/:id/log.txt', async (c) => {
    const s = c.get('session');
    const id = jobIdParam(c.req.param('id'));
    if (id === null) return c.text('no such job', 404);
    let size: number;
    try {
      size = (await web.withApi(s, (api) => api.call('job.logs', { id, tailBytes: 0 }))).size;
    } catch (e) {
      return c.text(describeError(e, `read the log of job ${id}`), httpStatusOf(e));
    }
    c.header('Content-Type', 'text/plain; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="job-${id}.log"`);
    c.header('Cache-Control', 'no-store');
    // The log as it is now: follow from 0 up to the size it has at this moment, at the client's pace.
    return streamBody(c, async (out) => {
      const api = await web.deps.connect(s.token);
      const follower = followJobLog(api, id, { from: 0, until: size });
      out.onAbort(() => follower.close());
      try {
        for await (const ev of follower) {
          if (ev.kind === 'chunk') await out.write(ev.chunk.data);
          else if (ev.reason === 'error') web.deps.logger.warn({ job: id, offset: ev.offset }, 'web: log download ended early');
        }
      } finally {
        api.close();
      }
    });
  });

  return app;
}

/** The output ends a moment before the server records the exit: wait briefly for that. */
async function settledJob(api: LocalApi, id: number): Promise<Job | null> {
  for (let i = 0; ; i++) {
    const job = await api.call('job.get', { id }).catch(() => null);
    if (!job || (job.status !== 'running' && job.status !== 'pending') || i >= 25) return job;
    await new Promise((r) => setTimeout(r, 200));
  }
}

function offsetParam(v: string | undefined): number | null {
  if (!v || !/^[0-9]{1,15}$/.test(v)) return null;
  return Number(v);
}
