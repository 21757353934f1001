// The live list: /events turns job.updated into rendered rows, and the static files it needs.
import { describe, expect, it } from 'vitest';
import { uniqueName, waitFor } from '../../support/wait.js';
import { browser, readEvents, withSignedInWebStack } from '../../support/web-stack.js';

const web = withSignedInWebStack({ heartbeatMs: 300 });

interface RowEvent {
  id: number;
  matches: boolean;
  html: string;
}

describe('GET /events', () => {
  it('delivers job.updated as rendered, escaped rows until the job exits', async () => {
    const res = await web.b.get('/events?back=%2F');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const name = uniqueName('webev');
    let id = 0;
    const events = await readEvents(res, (ev) => {
      if (ev.event === 'ready' && id === 0) {
        void web.stack.api.call('job.create', { name, image: 'busybox:latest', cmd: `echo '<i>'; sleep 1`, cpus: 0.25, memoryMb: 32, network: 'none' }).then((j) => {
          id = j.id;
        });
      }
      if (ev.event !== 'job') return false;
      const row = JSON.parse(ev.data) as RowEvent;
      return row.id === id && row.html.includes('>exited<');
    });
    const rows = events.filter((e) => e.event === 'job').map((e) => JSON.parse(e.data) as RowEvent).filter((r) => r.id === id);
    expect(rows.some((r) => r.html.includes('>running<'))).toBe(true);
    expect(rows.every((r) => r.matches)).toBe(true);
    const last = rows.at(-1)!;
    expect(last.html).toMatch(new RegExp(`^<tr id="job-${id}"`));
    expect(last.html).toContain(`name="csrf" value="${web.b.csrf}"`);
    expect(last.html).toContain('&lt;i&gt;');
  });

  it('tells the page when a job is removed, so its row goes away', async () => {
    const job = await web.stack.api.call('job.create', { name: uniqueName('webrm'), image: 'busybox:latest', cmd: 'sleep 30', cpus: 0.25, memoryMb: 32, network: 'none' });
    const res = await web.b.get('/events');
    const events = await readEvents(res, (ev) => {
      if (ev.event === 'ready') void web.stack.api.call('job.remove', { id: job.id });
      return ev.event === 'removed';
    });
    expect(JSON.parse(events.at(-1)!.data)).toEqual({ id: job.id });
  });

  it('says whether a job matches the page filter', async () => {
    const res = await web.b.get('/events?status=running');
    const name = uniqueName('webev');
    const events = await readEvents(res, (ev, all) => {
      if (ev.event === 'ready') {
        void web.stack.api.call('job.create', { name, image: 'busybox:latest', cmd: 'true', cpus: 0.25, memoryMb: 32, network: 'none' });
      }
      return all.some((e) => e.event === 'job' && e.data.includes(name) && e.data.includes('>exited<'));
    });
    const mine = events.filter((e) => e.event === 'job' && e.data.includes(name)).map((e) => JSON.parse(e.data) as RowEvent);
    expect(mine.at(-1)!.matches).toBe(false);
  });

  it('sends keep-alive comments and the streams are bounded per session', async () => {
    const open = await Promise.all(Array.from({ length: 8 }, () => web.b.get('/events')));
    expect(open.every((r) => r.status === 200)).toBe(true);
    expect((await web.b.get('/events')).status).toBe(429);
    const reader = open[0]!.body!.getReader();
    let text = '';
    while (!text.includes(': keep-alive')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    for (const r of open.slice(1)) await r.body!.cancel();
    // Closed streams give their slot back (each once its own connection, a token lookup, is settled).
    const again = await waitFor('a closed stream\'s slot back', async () => {
      const res = await web.b.get('/events');
      if (res.status === 200) return res;
      expect(res.status).toBe(429);
      await res.body?.cancel();
      return null;
    }, 10_000);
    await again.body!.cancel();
  });
});

describe('static files', () => {
  it('serves the stylesheet and scripts, and nothing else', async () => {
    const b2 = browser(web.stack.app);
    const css = await b2.get('/static/app.css');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    for (const js of ['list.js', 'log.js']) {
      const res = await b2.get(`/static/${js}`);
      expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(await res.text()).not.toContain('innerHTML = msg'); // rows come pre-escaped, logs use textContent
    }
    expect((await b2.get('/static/..%2Fapp.ts')).status).toBe(404);
    expect((await b2.get('/static/nope.js')).status).toBe(404);
  });
});
