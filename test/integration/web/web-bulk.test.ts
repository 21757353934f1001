// Actions on many jobs: the list's checkboxes and "Remove all finished", through app.request()
// against the real server (MariaDB + dockerd). Its own server: removeMany clears every finished job.
import { describe, expect, it } from 'vitest';
import { ErrorCode, RpcError } from '../../../server/protocol/index.js';
import { uniqueName, waitForJob } from '../../support/wait.js';
import { withSignedInWebStack } from '../../support/web-stack.js';

const web = withSignedInWebStack();

const create = (cmd: string) => web.stack.api.call('job.create', { name: uniqueName('webbulk'), image: 'busybox:latest', cmd, cpus: 0.1, memoryMb: 16, network: 'none' });
const gone = async (id: number) => ((await web.stack.api.call('job.get', { id }).catch((e: unknown) => e)) as RpcError).code === ErrorCode.JobNotFound;

describe('bulk actions', () => {
  it('every row has a checkbox for the bulk form', async () => {
    const job = await create('true');
    const html = await (await web.b.get('/')).text();
    expect(html).toContain('<form class="bulk" id="bulk" method="post" action="/jobs/bulk">');
    expect(html).toContain(`<input type="checkbox" name="ids[]" value="${job.id}" form="bulk" aria-label="Select job ${job.id} ${job.name}">`);
    expect(html).toContain('<button type="submit" name="action" value="stop">Stop selected</button>');
    expect(html).toContain('href="/jobs/remove-finished?back=%2F"');
  });

  it('stops the selected jobs, then removes them after a confirmation naming each', async () => {
    const a = await create('sleep 300');
    const c = await create('sleep 300');
    await waitForJob(web.stack.api, a.id, (j) => j.status === 'running');
    await waitForJob(web.stack.api, c.id, (j) => j.status === 'running');
    const stop = await web.b.post('/jobs/bulk', [['action', 'stop'], ['back', '/'], ['ids[]', String(a.id)], ['ids[]', String(c.id)]]);
    expect(stop.status).toBe(303);
    expect(await (await web.b.get('/')).text()).toContain('Stopping 2 jobs.');
    for (const j of [a, c]) expect(await waitForJob(web.stack.api, j.id, (x) => x.status === 'exited', 15_000)).toMatchObject({ reason: 'stopped' });

    const ask = await web.b.post('/jobs/bulk', [['action', 'remove'], ['back', '/'], ['ids[]', String(a.id)], ['ids[]', String(c.id)]]);
    expect(ask.status).toBe(200);
    const page = await ask.text();
    expect(page).toContain('Remove 2 jobs?');
    expect(page).toContain(`Job ${a.id} “${a.name}”`);
    expect(page).toContain(`Job ${c.id} “${c.name}”`);
    expect(await gone(a.id)).toBe(false);

    const done = await web.b.post('/jobs/bulk', [['action', 'remove'], ['back', '/'], ['confirmed', 'yes'], ['ids[]', String(a.id)], ['ids[]', String(c.id)]]);
    expect(done.status).toBe(303);
    expect(await gone(a.id)).toBe(true);
    expect(await gone(c.id)).toBe(true);
    expect(await (await web.b.get('/')).text()).toContain('Removed 2 jobs');
  });

  it('with nothing selected says so and changes nothing', async () => {
    const r = await web.b.post('/jobs/bulk', [['action', 'stop'], ['back', '/']]);
    expect(r.status).toBe(303);
    expect(await (await web.b.get('/')).text()).toContain('Select one or more jobs first');
  });

  it('removes all finished jobs after a confirmation page with the count, keeping running ones', async () => {
    const finished = [await create('true'), await create('exit 3')];
    const running = await create('sleep 300');
    for (const j of finished) await waitForJob(web.stack.api, j.id, (x) => x.status === 'exited');
    await waitForJob(web.stack.api, running.id, (x) => x.status === 'running');
    const exited = (await web.stack.api.call('job.list', { status: 'exited', limit: 500 })).jobs.length;
    const errors = (await web.stack.api.call('job.list', { status: 'error', limit: 500 })).jobs.length;

    const ask = await (await web.b.get('/jobs/remove-finished')).text();
    expect(ask).toContain(`Remove all ${exited + errors} finished jobs?`);
    expect(ask).toContain(`${exited} exited and ${errors} with an error.`);
    // Without confirmed=yes the POST only leads back to the confirmation.
    expect((await web.b.post('/jobs/remove-finished', { back: '/' })).headers.get('location')).toBe('/jobs/remove-finished?back=%2F');
    expect(await gone(finished[0]!.id)).toBe(false);

    const done = await web.b.post('/jobs/remove-finished', { back: '/', confirmed: 'yes' });
    expect(done.status).toBe(303);
    for (const j of finished) expect(await gone(j.id)).toBe(true);
    expect((await web.stack.api.call('job.get', { id: running.id })).status).toBe('running');
    expect(await (await web.b.get('/')).text()).toContain(`Removed ${exited + errors} finished jobs.`);
    await web.stack.api.call('job.kill', { id: running.id });
  });
});
