// The log page, its live follow (SSE) and the whole-log download, against the real server.
import { describe, expect, it } from 'vitest';
import { uniqueName, waitForJob } from '../../support/wait.js';
import { readEvents, withSignedInWebStack } from '../../support/web-stack.js';

const web = withSignedInWebStack({ heartbeatMs: 300 });

/** A live chunk: its stream, its text and its segments (colours parsed by the server). */
function logEvent(e: { data: string }) {
  const m = JSON.parse(e.data) as { stream: string; segs: { text: string; cls: string }[] };
  return { ...m, data: m.segs.map((s) => s.text).join('') };
}

async function createJob(cmd: string) {
  return web.stack.api.call('job.create', { name: uniqueName('weblog'), image: 'busybox:latest', cmd, cpus: 0.5, memoryMb: 32, network: 'none' });
}

describe('the log page', () => {
  it('shows the output escaped, with stderr lines marked', async () => {
    const job = await createJob(`echo '<script>alert(1)</script>'; echo 'oops <b>' >&2; echo done`);
    await waitForJob(web.stack.api, job.id, (j) => j.status === 'exited');
    const res = await web.b.get(`/jobs/${job.id}/log`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('<span class="o">&lt;script&gt;alert(1)&lt;/script&gt;</span>');
    expect(html).toContain('<div class="ln err"><span class="tag">err</span><span class="txt"><span class="e">oops &lt;b&gt;</span></span></div>');
    expect(html).toContain(`href="/jobs/${job.id}/log.txt"`);
    expect(html).not.toContain('data-follow'); // finished: nothing to follow
    expect(html).toContain('<script src="/static/log.js');
    expect(html).toContain('<button type="button" class="new-output" id="new-output" hidden>↓ new output</button>');
  });

  it('shows only the last 20 KB of a long log; the download has all of it', async () => {
    const job = await createJob('seq 1 30000');
    await waitForJob(web.stack.api, job.id, (j) => j.status === 'exited');
    const expected = Array.from({ length: 30000 }, (_, i) => `${i + 1}\n`).join('');
    const html = await (await web.b.get(`/jobs/${job.id}/log`)).text();
    expect(html).toMatch(/Showing the last 20 KB of\s*<span id="log-size" data-bytes="\d+">1\d\d KB<\/span>/);
    expect(html).toContain('<span class="o">30000</span>');
    expect(html).not.toContain('<span class="o">1</span>');

    const res = await web.b.get(`/jobs/${job.id}/log.txt`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="job-${job.id}.log"`);
    expect(await res.text()).toBe(expected);
  });

  it('follows a running job live until it ends', async () => {
    const job = await createJob('i=0; while [ $i -lt 3 ]; do echo tick $i; i=$((i+1)); sleep 1; done; echo bye >&2');
    await waitForJob(web.stack.api, job.id, (j) => j.status === 'running');
    const html = await (await web.b.get(`/jobs/${job.id}/log`)).text();
    const follow = /data-follow="([^"]+)"/.exec(html)?.[1]?.replace(/&amp;/g, '&');
    expect(follow).toMatch(new RegExp(`^/jobs/${job.id}/log/events\\?from=\\d+$`));
    const res = await web.b.get(follow!);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await readEvents(res, (ev) => ev.event === 'end');
    const logs = events.filter((e) => e.event === 'log').map(logEvent);
    const text = logs.map((l) => l.data).join('');
    expect(text).toContain('tick 2\n');
    expect(logs.find((l) => l.data.includes('bye'))?.stream).toBe('stderr');
    const end = JSON.parse(events.at(-1)!.data) as { reason: string; status: { label: string } };
    expect(end.reason).toBe('finished');
    expect(end.status.label).toBe('exited');
    // Each chunk's id is the offset after it: a reconnect resumes exactly there.
    const lastId = Number(events.filter((e) => e.event === 'log').at(-1)!.id);
    expect(lastId).toBe((await web.stack.api.call('job.logs', { id: job.id, tailBytes: 0 })).size);
  });

  it('resumes from Last-Event-ID with no gap and no repeat', async () => {
    const job = await createJob('echo one; echo two');
    await waitForJob(web.stack.api, job.id, (j) => j.status === 'exited');
    const res = await web.b.get(`/jobs/${job.id}/log/events?from=0`, { headers: { 'Last-Event-ID': '4' } });
    const events = await readEvents(res, (ev) => ev.event === 'end');
    expect(events.filter((e) => e.event === 'log').map((e) => logEvent(e).data).join('')).toBe('two\n');
  });

  it('renders SGR colours as classes, live and on the page, and nothing else: <script> stays text', async () => {
    const job = await createJob(`sleep 1; printf '\\033[1;31mred <script>x</script>\\033[0m \\033]0;title\\007plain\\n'`);
    await waitForJob(web.stack.api, job.id, (j) => j.status === 'running');
    const html = await (await web.b.get(`/jobs/${job.id}/log`)).text();
    const follow = /data-follow="([^"]+)"/.exec(html)![1]!.replace(/&amp;/g, '&');
    const events = await readEvents(await web.b.get(follow.replace(/from=\d+/, 'from=0')), (ev) => ev.event === 'end');
    const segs = events.filter((e) => e.event === 'log').flatMap((e) => logEvent(e).segs);
    expect(segs).toEqual([
      { text: 'red <script>x</script>', cls: 'a-fg1 a-b' },
      { text: ' plain\n', cls: '' },
    ]);
    const page = await (await web.b.get(`/jobs/${job.id}/log`)).text();
    expect(page).toContain('<span class="txt"><span class="o a-fg1 a-b">red &lt;script&gt;x&lt;/script&gt;</span><span class="o"> plain</span></span>');
    expect(page).not.toContain('\u001b');
  });

  it('shows the lines or KB asked for, with times from the server, unwrapped on request', async () => {
    const job = await createJob('seq 1 3000');
    await waitForJob(web.stack.api, job.id, (j) => j.status === 'exited');
    const lines = await (await web.b.get(`/jobs/${job.id}/log?show=100l&timestamps=1&opts=1`)).text();
    expect(lines).toContain('Showing the last 100 lines of');
    expect(lines).toContain('<span class="o">3000</span>');
    expect(lines).toContain('<span class="o">2901</span>');
    expect(lines).not.toContain('<span class="o">2900</span>');
    expect(lines).toMatch(/<time class="ts" datetime="20\d\d-[^"]+Z">\d\d:\d\d:\d\d\.\d{3}<\/time>/);
    expect(lines).toContain('class="log nowrap"');
    expect(lines).toContain('<option value="100l" selected>');
    const kb = await (await web.b.get(`/jobs/${job.id}/log?show=1m`)).text();
    expect(kb).toContain('<span class="o">1</span>'); // 13.9 KB: all of it
    expect(kb).toContain('In all:');
    expect(kb).not.toContain('class="ts"');
  });

  it('a job that does not exist is a 404 page', async () => {
    expect((await web.b.get('/jobs/999999/log')).status).toBe(404);
    expect((await web.b.get('/jobs/999999/log.txt')).status).toBe(404);
    expect((await web.b.get('/jobs/x/log')).status).toBe(404);
  });
});
