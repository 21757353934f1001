// A follower that stops reading must not make the server buffer without bound: its follow is ended
// with job.logEnd `dropped` (at the offset to resume from) once the socket's send buffer passes the
// soft bound (4 MiB), and following again from that offset picks up exactly where it stopped.
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { withServerAndClient } from '../../support/server-and-client.js';
import { uniqueName, waitFor, waitForJob } from '../../support/wait.js';
import { openRaw } from './raw-socket.js';

const { server, api } = withServerAndClient();

describe('a follower that stops reading', () => {
  it('is dropped near the send-buffer bound, with an offset to resume from exactly', async () => {
    const totalBytes = 64 * 1024 * 1024;
    const job = await api.call('job.create', {
      name: uniqueName('slow-follower'),
      image: 'busybox:latest',
      // Wait for the follower to be in place, then write as fast as the container can.
      cmd: `sleep 1; yes 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 | head -c ${totalBytes}`,
      cpus: 1,
      memoryMb: 64,
    });
    const raw = await openRaw(server.url, server.adminToken);
    const reply = await raw.call('job.follow', { id: job.id, fromOffset: 0 });
    const subscription = (reply.result as { subscription: string }).subscription;
    // Stop reading: the kernel buffers fill, then ws's send buffer on the server grows.
    const socket = (raw.ws as unknown as { _socket: Socket })._socket;
    socket.pause();

    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
    try {
      await waitForJob(api, job.id, (j) => j.status === 'exited', 120_000);
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      clearInterval(sampler);
    }
    // Reported, not asserted: capture alone moves RSS by 0-35 MB here (GC timing), so RSS cannot tell
    // a 4 MiB bound from none. The offset where the follow was dropped can (below).
    const growthMb = (peakRss - rssBefore) / 1024 / 1024;

    socket.resume();
    const end = await waitFor(
      'job.logEnd',
      async () =>
        raw.received.find((m): m is { params: { reason: string; offset: number } } => {
          const n = m as { method?: string; params?: { subscription?: string } };
          return n.method === 'job.logEnd' && n.params?.subscription === subscription;
        }) ?? null,
      30_000,
    );
    expect(end.params.reason).toBe('dropped');
    const got = raw.received
      .filter((m) => (m as { method?: string }).method === 'job.log')
      .map((m) => (m as { params: { offset: number; nextOffset: number } }).params);
    expect(got.length).toBeGreaterThan(0);
    expect(end.params.offset).toBe(got.at(-1)!.nextOffset);
    // Dropped after about the 4 MiB send-buffer bound plus what the kernel's socket buffers hold,
    // long before the 64 MiB the job wrote: the server did not keep buffering for the stalled client.
    expect(end.params.offset).toBeLessThan(24 * 1024 * 1024);
    console.log(`slow follower: dropped at ${end.params.offset} of ${totalBytes} bytes; test-process RSS growth ${growthMb.toFixed(1)} MB`);

    // Resuming from the offset delivers the rest, exactly.
    const resumed = await raw.call('job.follow', { id: job.id, fromOffset: end.params.offset });
    const sub2 = (resumed.result as { subscription: string }).subscription;
    const end2 = await waitFor(
      'second job.logEnd',
      async () =>
        raw.received.find((m) => {
          const n = m as { method?: string; params?: { subscription?: string } };
          return n.method === 'job.logEnd' && n.params?.subscription === sub2;
        }) ?? null,
      60_000,
    );
    expect((end2 as { params: { reason: string; offset: number } }).params).toMatchObject({ reason: 'finished', offset: totalBytes });
    const second = raw.received
      .filter((m) => (m as { method?: string; params?: { subscription?: string } }).method === 'job.log' && (m as { params: { subscription: string } }).params.subscription === sub2)
      .map((m) => (m as { params: { offset: number; nextOffset: number } }).params);
    expect(second[0]?.offset).toBe(end.params.offset);
    for (let i = 1; i < second.length; i++) expect(second[i]!.offset).toBe(second[i - 1]!.nextOffset);
    raw.close();
  }, 180_000);
});
