// The page of one job, its stats JSON, Re-run, Duplicate and the host banner, through app.request()
// against the real server (MariaDB + dockerd).
import { describe, expect, it } from 'vitest';
import { uniqueName, waitForJob } from '../../support/wait.js';
import { withSignedInWebStack } from '../../support/web-stack.js';

const web = withSignedInWebStack();

describe('the job page', () => {
  it('shows the whole spec, live numbers and every action; the list links to it', async () => {
    const job = await web.stack.api.call('job.create', {
      name: uniqueName('webpage'),
      image: 'busybox:latest',
      cmd: 'mkdir -p /w && echo served > /w/index.html && httpd -f -p 8000 -h /w',
      cpus: 0.25,
      memoryMb: 48,
      pidsLimit: 64,
      env: { SECRET_TOKEN: 'hunter2' },
      ports: [8000],
    });
    const running = await waitForJob(web.stack.api, job.id, (j) => j.status === 'running' && j.ip !== null);
    const res = await web.b.get(`/jobs/${job.id}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`<h1 id="job-title">Job ${job.id} “${job.name}”</h1>`);
    expect(html).toContain('mkdir -p /w &amp;&amp; echo served');
    expect(html).toContain('<code>busybox:latest</code>');
    expect(html).toContain('<code>SECRET_TOKEN</code>');
    expect(html).not.toContain('hunter2');
    expect(html).toContain(`<dd>${running.ip}</dd>`);
    expect(html).toContain(`<a href="/jobs/${job.id}/ports/8000/" class="endpoint">`);
    expect(html).toMatch(/Processes: <strong>64<\/strong>/);
    expect(html).toMatch(/CPU <strong id="stat-cpu">\d+\.\d%<\/strong>/);
    expect(html).toMatch(/Memory <strong id="stat-mem">[\d.]+ (B|KB|MB)<\/strong>/);
    expect(html).toContain(`data-stats="/jobs/${job.id}/stats"`);
    for (const action of ['stop', 'rerun']) expect(html).toContain(`action="/jobs/${job.id}/${action}"`);
    expect(html).toContain(`href="/?duplicate=${job.id}#create"`);
    expect(html).toContain(`href="/jobs/${job.id}/remove?back=%2F"`);
    expect(html).toContain(`href="/jobs/${job.id}/log"`);
    expect(html).toContain(`href="/jobs/${job.id}/log.txt"`);
    expect(html).toContain('<script src="/static/job.js');

    const stats = await web.b.get(`/jobs/${job.id}/stats`);
    expect(stats.status).toBe(200);
    const body = (await stats.json()) as { running: boolean; status: { label: string }; stats: { memoryBytes: number; memoryLimitBytes: number } };
    expect(body).toMatchObject({ running: true, status: { label: 'running' } });
    expect(body.stats.memoryLimitBytes).toBe(48 * 1024 * 1024);

    const list = await (await web.b.get(`/?search=${job.name}`)).text();
    expect(list).toContain(`<a href="/jobs/${job.id}"><strong>${job.name}</strong></a>`);

    // Stop from the job page comes back to it, saying stopping or already stopped.
    const stop = await web.b.post(`/jobs/${job.id}/stop`, { back: `/jobs/${job.id}` });
    expect(stop.headers.get('location')).toBe(`/jobs/${job.id}`);
    expect(await (await web.b.get(`/jobs/${job.id}`)).text()).toMatch(/is stopping\.|stopped: exited/);
  });

  it('re-runs a job into a new one and duplicates its spec into the form', async () => {
    const job = await web.stack.api.call('job.create', { name: uniqueName('webrerun'), image: 'busybox:latest', cmd: 'echo again', cpus: 0.3, memoryMb: 40, pidsLimit: 99, network: 'none', env: { A: 'b c' } });
    await waitForJob(web.stack.api, job.id, (j) => j.status === 'exited');
    const res = await web.b.post(`/jobs/${job.id}/rerun`, {});
    expect(res.status).toBe(303);
    const loc = res.headers.get('location')!;
    const newId = Number(/^\/jobs\/(\d+)$/.exec(loc)?.[1]);
    expect(newId).toBeGreaterThan(job.id);
    expect(await web.stack.api.call('job.get', { id: newId })).toMatchObject({ name: `${job.name}-2`, cmd: 'echo again', memoryMb: 40 });
    expect(await (await web.b.get(loc)).text()).toContain(`created from job ${job.id}`);

    const form = await (await web.b.get(`/?duplicate=${job.id}`)).text();
    expect(form).toContain('id="f-name" name="name" value=""');
    expect(form).toMatch(/<textarea id="f-cmd" name="cmd"[^>]*>echo again<\/textarea>/);
    expect(form).toContain('id="f-cpus" name="cpus" value="0.3"');
    expect(form).toContain('id="f-memoryMb" name="memoryMb" value="40"');
    expect(form).toContain('id="f-pidsLimit" name="pidsLimit" value="99"');
    expect(form).toMatch(/<textarea id="f-env" name="env"[^>]*>A=b c<\/textarea>/);
    expect(form).toContain('<option value="none" selected>');
  });

  it('answers 404 for a job that does not exist or is not a number; the port proxy path is not routed here', async () => {
    expect((await web.b.get('/jobs/999999')).status).toBe(404);
    expect((await web.b.get('/jobs/abc')).status).toBe(404);
    expect((await web.b.get('/jobs/999999/stats')).status).toBe(404);
    expect((await web.b.post('/jobs/999999/rerun', {})).headers.get('location')).toBe('/jobs/999999');
  });

  it('says a host-wide unenforced limit once, in the banner, and not on each row', async () => {
    const info = await web.stack.api.call('system.info', {});
    const html = await (await web.b.get('/')).text();
    if (info.enforcement.ioWeight) {
      expect(html).not.toContain('id="host-banner"');
      return;
    }
    expect(html.match(/id="host-banner"/g)).toHaveLength(1);
    expect(html).toContain('IO weight not enforced on this host');
    expect(html).toContain('echo bfq | sudo tee /sys/block/sda/queue/scheduler');
    expect(html).toContain('CJM_IOSCHED=bfq provision/provision.sh');
    expect(html).not.toContain('⚠ IO weight not enforced</span>');
  });
});
