// A job through the socket end to end: create -> running -> exited, with events.subscribe and
// job.follow delivering their notifications (after the reply that names the subscription).
import { describe, expect, it } from 'vitest';
import { createClient } from '../../../server/protocol/client.js';
import type { Job, NotificationOf } from '../../../server/protocol/index.js';
import { withServerAndClient } from '../../support/server-and-client.js';
import { uniqueName, waitFor, waitForJob } from '../../support/wait.js';

const { server, api } = withServerAndClient();

describe('a job over the socket', () => {
  it('create -> running -> exited 0, seen as job.updated events and followed output', async () => {
    const updates: Job[] = [];
    api.on('job.updated', ({ job }) => updates.push(job));
    await api.call('events.subscribe', {});

    const created = await api.call('job.create', {
      name: uniqueName('rpc-smoke'),
      image: 'busybox:latest',
      cmd: 'echo one; sleep 1; echo two >&2; sleep 1; echo three',
      cpus: 0.5,
      memoryMb: 32,
    });
    expect(created).toMatchObject({ status: 'pending', owner: 'admin' });

    const logs: NotificationOf<'job.log'>[] = [];
    const ends: NotificationOf<'job.logEnd'>[] = [];
    const follow: { subscription?: string } = {};
    api.on('job.log', (n) => {
      // The reply naming the subscription always comes first.
      expect(follow.subscription).toBeDefined();
      if (n.subscription === follow.subscription) logs.push(n);
    });
    api.on('job.logEnd', (n) => {
      if (n.subscription === follow.subscription) ends.push(n);
    });
    follow.subscription = (await api.call('job.follow', { id: created.id, fromOffset: 0 })).subscription;

    await waitForJob(api, created.id, (j) => j.status !== 'pending');
    const done = await waitForJob(api, created.id, (j) => j.status === 'exited', 30_000);
    expect(done).toMatchObject({ reason: 'completed', exitCode: 0 });

    await waitFor('job.logEnd', async () => ends.length > 0, 15_000);
    expect(ends[0]).toMatchObject({ id: created.id, reason: 'finished' });
    const text = logs.map((l) => l.data).join('');
    expect(text).toBe('one\ntwo\nthree\n');
    expect(logs.find((l) => l.data.includes('two'))?.stream).toBe('stderr');
    // Offsets are contiguous: a follower can resume exactly.
    for (let i = 1; i < logs.length; i++) expect(logs[i]!.offset).toBe(logs[i - 1]!.nextOffset);

    // job.get can read the stored exit a moment before its notification arrives.
    await waitFor('the exited notification', async () => updates.some((j) => j.id === created.id && j.status === 'exited'), 15_000);
    const statuses = updates.filter((j) => j.id === created.id).map((j) => j.status);
    expect(statuses).toContain('running');
    expect(statuses.at(-1)).toBe('exited');

    expect(await api.call('job.unfollow', { subscription: follow.subscription! })).toEqual({ ok: true });
  });

  it('a second connection of another client sees the job in job.list; unknown ids are 4004', async () => {
    const other = await createClient(server.url, server.adminToken);
    try {
      const { jobs } = await other.call('job.list', {});
      expect(jobs.length).toBeGreaterThan(0);
      await expect(other.call('job.get', { id: 999_999 })).rejects.toMatchObject({ code: 4004 });
    } finally {
      other.close();
    }
  });
});
