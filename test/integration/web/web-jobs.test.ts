// The job list and its forms through app.request(), against the real server (MariaDB + dockerd).
import { describe, expect, it } from 'vitest';
import { ErrorCode, RpcError } from '../../../server/protocol/index.js';
import { uniqueName, waitForJob } from '../../support/wait.js';
import { withSignedInWebStack } from '../../support/web-stack.js';

const web = withSignedInWebStack();

const good = (over: Record<string, string> = {}) => ({
  name: uniqueName('web'),
  image: 'busybox:latest',
  cmd: 'echo hello',
  cpus: '0.25',
  memoryMb: '32',
  ioWeight: '500',
  timeoutSeconds: '',
  env: '',
  network: 'none',
  ...over,
});

async function createViaApi(cmd: string, name = uniqueName('web')) {
  return web.stack.api.call('job.create', { name, image: 'busybox:latest', cmd, cpus: 0.25, memoryMb: 32, network: 'none' });
}

describe('create', () => {
  it('a good form creates the job and redirects (303), the next page says so', async () => {
    const fields = good({ env: 'GREETING=hi there\n', timeoutSeconds: '60', ioWeight: '700', cmd: 'echo "$GREETING"' });
    const res = await web.b.post('/jobs', fields);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
    const { jobs } = await web.stack.api.call('job.list', { search: fields.name });
    expect(jobs).toHaveLength(1);
    const job = jobs[0]!;
    expect(job).toMatchObject({ cpus: 0.25, memoryMb: 32, ioWeight: 700, timeoutSeconds: 60, env: { GREETING: 'hi there' }, network: 'none' });
    const page = await (await web.b.get('/')).text();
    expect(page).toContain(`Job ${job.id} “${fields.name}” created`);
    expect(page).toContain(`id="job-${job.id}"`);
    // The flash is shown once.
    expect(await (await web.b.get('/')).text()).not.toContain('created; it starts');
    await waitForJob(web.stack.api, job.id, (j) => j.status === 'exited');
    const log = await web.stack.api.call('job.logs', { id: job.id });
    expect(log.text).toBe('hi there\n');
  });

  const bad: [string, Record<string, string>, RegExp][] = [
    ['name', { name: 'bad name!' }, /Name must be 1-63 characters/],
    ['image', { image: 'Not An Image' }, /Image must be an image reference/],
    ['cmd', { cmd: '   ' }, /Command must not be blank/],
    ['cpus', { cpus: '0' }, /CPUs must be at least 0.01/],
    ['cpus', { cpus: 'lots' }, /CPUs must be a number/],
    ['memoryMb', { memoryMb: '3' }, /Memory must be at least 6/],
    ['memoryMb', { memoryMb: '1.5' }, /^Memory must be a/], // the server's wording for non-integers
    ['ioWeight', { ioWeight: '5' }, /IO weight must be between 10 and 1000/],
    ['timeoutSeconds', { timeoutSeconds: '-1' }, /Timeout must be 0 \(none\) or more/],
    ['env', { env: '1X=1' }, /Environment names must be letters/],
    ['env', { env: 'no equals sign' }, /Environment line 1: write KEY=VALUE/],
    ['network', { network: 'host' }, /Network must be bridge or none/],
    ['pidsLimit', { pidsLimit: '0' }, /Process limit must be/],
    ['ports', { ports: '70000', network: 'bridge' }, /Ports must be TCP ports 1-65535/],
    ['ports', { ports: '80', network: 'none' }, /Ports needs network &quot;bridge&quot;/],
  ];

  it('marks every bad field at once, each with aria-invalid and its message', async () => {
    for (const over of <Record<string, string>[]>[
      { name: 'bad name!', image: 'Not An Image', memoryMb: '3', ioWeight: '5' }, // all the server's
      { name: 'bad name!', cpus: 'lots', memoryMb: '3', env: 'nope' }, // two form-only, two the server's
    ]) {
      const res = await web.b.post('/jobs', good(over));
      expect(res.status).toBe(422);
      const html = await res.text();
      const marked = [...html.matchAll(/id="f-(\w+)" name="\w+" aria-invalid="true" aria-describedby="e-(\w+)"/g)].map((m) => m[1]);
      expect(marked.sort()).toEqual(Object.keys(over).sort());
      for (const f of Object.keys(over)) expect(html).toMatch(new RegExp(`<p class="field-error" id="e-${f}">[^<]+</p>`));
    }
  });

  it.each(bad)('a bad %s re-renders the form (422) with the message next to it and the values kept', async (field, over, message) => {
    const fields = good(over);
    const res = await web.b.post('/jobs', fields);
    expect(res.status).toBe(422);
    const html = await res.text();
    const err = new RegExp(`<p class="field-error" id="e-${field}">([^<]*)</p>`).exec(html);
    expect(err?.[1]).toMatch(message);
    expect(html.match(/class="field-error"/g)).toHaveLength(1);
    expect(html).toContain(`aria-describedby="e-${field}"`);
    // Typed values are still there.
    expect(html).toContain(`value="${fields.name}"`);
    expect(html).toContain(`value="${fields.memoryMb}"`);
    expect(html).toContain(`>${fields.cmd}</textarea>`);
    expect((await web.stack.api.call('job.list', { search: fields.name })).jobs).toHaveLength(0);
  });

  it('a taken name is shown next to the name (409)', async () => {
    const first = await createViaApi('true');
    const res = await web.b.post('/jobs', good({ name: first.name }));
    expect(res.status).toBe(409);
    expect(await res.text()).toMatch(/<p class="field-error" id="e-name">Name is already taken/);
  });
});

describe('the form', () => {
  it('sits behind a New job button above the list, closed until asked for, with the four README presets', async () => {
    const html = await (await web.b.get('/')).text();
    expect(html).toContain('<details class="create" id="create">');
    expect(html.indexOf('id="create"')).toBeLessThan(html.indexOf('id="jobs"'));
    expect(html).toContain('<summary class="button primary" id="create-title">New job</summary>');
    for (const p of ['hello', 'webserver', 'monitor-time', 'stress']) expect(html).toContain(`href="/?preset=${p}#create"`);
    // The one default memory of the contract (jobDefaults), the same the TUI offers.
    expect(html).toContain('id="f-memoryMb" name="memoryMb" value="256"');
    expect(await (await web.b.get('/?new=1')).text()).toContain('<details class="create" id="create" open>');

    const preset = await (await web.b.get('/?preset=webserver')).text();
    expect(preset).toContain('<details class="create" id="create" open>');
    expect(preset).toContain('id="f-name" name="name" value="webserver"');
    expect(preset).toContain('id="f-ports" name="ports" value="8000"');
    expect(preset).toMatch(/<textarea id="f-cmd" name="cmd"[^>]*>mkdir -p \/www &amp;&amp; echo hello &gt; \/www\/index.html &amp;&amp; httpd -f -p 8000 -h \/www<\/textarea>/);
  });

  it('creates a job with pidsLimit and ports from the form', async () => {
    const fields = good({ network: 'bridge', ports: '8000, 8080', pidsLimit: '77' });
    expect((await web.b.post('/jobs', fields)).status).toBe(303);
    const { jobs } = await web.stack.api.call('job.list', { search: fields.name });
    expect(jobs[0]).toMatchObject({ ports: [8000, 8080], pidsLimit: 77 });
  });
});

describe('the list', () => {
  it('shows each job with status, limits and actions; filters by search and status', async () => {
    const job = await createViaApi('sleep 300');
    await waitForJob(web.stack.api, job.id, (j) => j.status === 'running');
    const html = await (await web.b.get(`/?search=${job.name}`)).text();
    expect(html).toContain(`<strong>${job.name}</strong>`);
    expect(html).toMatch(new RegExp(`id="job-${job.id}"[^]*>running<`));
    expect(html).toContain('0.25 CPU · 32 MB · IO 500');
    expect(html).toContain(`action="/jobs/${job.id}/stop"`);
    const other = await (await web.b.get(`/?search=${job.name}&status=exited`)).text();
    expect(other).not.toContain(`id="job-${job.id}"`);
    expect(other).toContain('No job matches.');
  });

  it('escapes HTML from job data and from the query', async () => {
    const job = await createViaApi(`echo '<script>alert(1)</script>'`);
    const html = await (await web.b.get(`/?search=${encodeURIComponent('<script>x')}`)).text();
    expect(html).not.toContain('<script>x');
    expect(html).toContain('value="&lt;script&gt;x"');
    const all = await (await web.b.get(`/?search=${job.name}`)).text();
    expect(all).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(all).not.toContain('<script>alert');
  });
});

describe('actions', () => {
  it('refresh, stop, then remove with a confirmation step', async () => {
    const job = await createViaApi('sleep 300');
    await waitForJob(web.stack.api, job.id, (j) => j.status === 'running');

    const refreshed = await web.b.post(`/jobs/${job.id}/refresh`, { back: '/?status=running' });
    expect(refreshed.status).toBe(303);
    expect(refreshed.headers.get('location')).toBe('/?status=running');
    expect(await (await web.b.get('/?status=running')).text()).toContain(`Job ${job.id} “${job.name}” refreshed: running`);

    const stopped = await web.b.post(`/jobs/${job.id}/stop`, { back: '/' });
    expect(stopped.status).toBe(303);
    expect(await (await web.b.get('/')).text()).toContain(`Job ${job.id} “${job.name}” is stopping.`);
    expect(await waitForJob(web.stack.api, job.id, (j) => j.status === 'exited', 30_000)).toMatchObject({ reason: 'stopped' });

    // Without confirmed=yes the POST only shows the confirmation page.
    const ask = await web.b.post(`/jobs/${job.id}/remove`, { back: '/' });
    expect(ask.status).toBe(200);
    const confirm = await ask.text();
    expect(confirm).toContain(`Remove job ${job.id}`);
    expect(confirm).toContain('name="confirmed" value="yes"');
    expect((await web.stack.api.call('job.get', { id: job.id })).id).toBe(job.id);

    const removed = await web.b.post(`/jobs/${job.id}/remove`, { back: '/', confirmed: 'yes' });
    expect(removed.status).toBe(303);
    const gone = await web.stack.api.call('job.get', { id: job.id }).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(RpcError);
    expect((gone as RpcError).code).toBe(ErrorCode.JobNotFound);
    expect(await (await web.b.get('/')).text()).toContain(`Job ${job.id} removed`);
  });

  it('a stop that is slow shows the job stopping with Kill, and Kill ends it', async () => {
    // The shell ignores SIGTERM, so the stop would wait out its 10 s grace period.
    const job = await createViaApi("trap '' TERM; while true; do sleep 1; done");
    await waitForJob(web.stack.api, job.id, (j) => j.status === 'running');
    const stopped = await web.b.post(`/jobs/${job.id}/stop`, { back: '/' });
    expect(stopped.status).toBe(303);
    const html = await (await web.b.get(stopped.headers.get('location')!)).text();
    const row = html.slice(html.indexOf(`<tr id="job-${job.id}"`), html.indexOf('</tr>', html.indexOf(`<tr id="job-${job.id}"`)));
    expect(row).toContain('<span class="status tone-wait">stopping</span>');
    expect(row).toContain(`action="/jobs/${job.id}/kill"`);
    expect(row).not.toContain(`action="/jobs/${job.id}/stop"`);
    const t0 = Date.now();
    expect((await web.b.post(`/jobs/${job.id}/kill`, { back: '/' })).status).toBe(303);
    expect(await waitForJob(web.stack.api, job.id, (j) => j.status === 'exited', 10_000)).toMatchObject({ exitCode: 137 });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await (await web.b.get('/')).text()).toContain(`Job ${job.id} “${job.name}” killed`);
  });

  it('GET never changes anything', async () => {
    const job = await createViaApi('sleep 300');
    await waitForJob(web.stack.api, job.id, (j) => j.status === 'running');
    expect((await web.b.get(`/jobs/${job.id}/stop`)).status).toBe(404);
    expect((await web.b.get(`/jobs/${job.id}/refresh`)).status).toBe(404);
    expect((await web.b.get(`/jobs/${job.id}/remove`)).status).toBe(200); // the confirmation page
    expect((await web.b.get(`/jobs/${job.id}/remove?confirmed=yes`)).status).toBe(200);
    expect((await web.stack.api.call('job.get', { id: job.id })).status).toBe('running');
    await web.stack.api.call('job.stop', { id: job.id, timeoutSeconds: 0 });
  });

  it('an action on a job that does not exist says so', async () => {
    const res = await web.b.post('/jobs/999999/stop', { back: '/' });
    expect(res.status).toBe(303);
    expect(await (await web.b.get('/')).text()).toContain('the job was not found');
    expect((await web.b.post('/jobs/abc/stop', {})).status).toBe(404);
  });
});
