// The live half of the growth bench (issue 18): against a server that already holds the seeded jobs,
// - a burst of N job.create until all run, against raw dockerode's burst of N create+start in the
//   same run (ratio of wall times);
// - R running jobs printing a line a second: the server's CPU (% of one core) and RSS;
// - a job.updated burst (job.stop of every running job): what it costs the server, and what the real
//   TUI (tui-growth-child.ts, showing 50 rows) spends on it, with no re-list.
// The server runs in this process: CPU and RSS are this process's (the server plus one idle client).
import Docker from 'dockerode';
import type { CjmClient } from '../../server/protocol/client.js';
import type { Job, JobSpecInput } from '../../server/protocol/index.js';
import type { Report } from './report.js';

const docker = new Docker();
const loop = 'while true; do echo x; sleep 1; done';
const spec = (name: string): JobSpecInput => ({ name, image: 'busybox:latest', cmd: loop, cpus: 0.01, memoryMb: 16, network: 'none' });
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Raw dockerode: N create+start at once, the same image, command and limits as the jobs. */
async function rawBurst(n: number, tag: string): Promise<{ wallMs: number; failed: number }> {
  const t0 = performance.now();
  const results = await Promise.allSettled(
    Array.from({ length: n }, async () => {
      const c = await docker.createContainer({
        Image: 'busybox:latest',
        Entrypoint: ['/bin/sh', '-c'],
        Cmd: [loop],
        Labels: { 'cjm.bench': tag },
        HostConfig: { NanoCpus: 10_000_000, Memory: 16 * 1024 * 1024, MemorySwap: 16 * 1024 * 1024, NetworkMode: 'none', Init: true },
      });
      await c.start();
    }),
  );
  return { wallMs: performance.now() - t0, failed: results.filter((r) => r.status === 'rejected').length };
}

async function removeRaw(tag: string): Promise<void> {
  const list = await docker.listContainers({ all: true, filters: { label: [`cjm.bench=${tag}`] } });
  await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
}

/** N job.create at once; resolves when every job is past pending (from job.updated, not polling). */
async function serverBurst(api: CjmClient, n: number, prefix: string): Promise<{ wallMs: number; jobs: Job[] }> {
  const settled = new Map<number, Job>();
  let wanted: Set<number> | null = null;
  let done = () => {};
  const all = new Promise<void>((r) => (done = r));
  const check = () => {
    if (wanted && [...wanted].every((id) => settled.has(id))) done();
  };
  const off = api.on('job.updated', ({ job }) => {
    if (job.status === 'pending') return;
    settled.set(job.id, job);
    check();
  });
  const t0 = performance.now();
  const created = await Promise.all(Array.from({ length: n }, (_, i) => api.call('job.create', spec(`${prefix}-${i}`))));
  wanted = new Set(created.map((j) => j.id));
  check();
  await all;
  off();
  return { wallMs: performance.now() - t0, jobs: created.map((j) => settled.get(j.id)!) };
}

function cpuAndRss(windowMs: number): Promise<{ cpuPercent: number; rssMb: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  return new Promise((resolve) =>
    setTimeout(() => {
      const c = process.cpuUsage(c0);
      resolve({ cpuPercent: ((c.user + c.system) / 1000 / (performance.now() - t0)) * 100, rssMb: process.memoryUsage().rss / 1024 / 1024 });
    }, windowMs),
  );
}

/** The TUI process of the bench (tui-growth-child.ts): told when a burst starts and ends. */
export interface TuiProbe {
  burstStart(): void;
  burstEnd(): Promise<{ updates: number; lists: number; settleMs: number; lagMs: number; cpuMs: number; rssMb: number }>;
}

export async function live(api: CjmClient, report: Report, options: { burst: number; running: number; tui?: TuiProbe }): Promise<void> {
  const tag = `growth-${Date.now().toString(36)}`;
  await api.call('events.subscribe', {});
  const { burst, running } = options;
  try {
    // Warm both paths (image and layers cached, connections open).
    await rawBurst(2, tag);
    await removeRaw(tag);
    const warm = await serverBurst(api, 2, `${tag}-warm`);
    await Promise.all(warm.jobs.map((j) => api.call('job.remove', { id: j.id })));

    console.log(`burst of ${burst} creates, each \`${loop}\` at 0.01 CPU / 16 MB:`);
    const raw = await rawBurst(burst, tag);
    console.log(`  raw dockerode create+start: ${seconds(raw.wallMs)} wall, ${raw.failed} failed`);
    await removeRaw(tag);
    const cjm = await serverBurst(api, burst, `${tag}-b`);
    const notRunning = cjm.jobs.filter((j) => j.status !== 'running');
    console.log(`  job.create until running:   ${seconds(cjm.wallMs)} wall, ${notRunning.length} not running${notRunning.length ? `: ${notRunning[0]?.status} ${notRunning[0]?.reason}` : ''}`);
    report.figure(`burst of ${burst} creates until running vs raw dockerode (wall ratio)`, cjm.wallMs / raw.wallMs, 'x', { max: 1.1 });
    report.figure(`burst of ${burst}: jobs not running`, notRunning.length, 'jobs', { max: 0 });

    const more = running - burst > 0 ? await serverBurst(api, running - burst, `${tag}-r`) : { wallMs: 0, jobs: [] };
    const jobs = [...cjm.jobs, ...more.jobs].filter((j) => j.status === 'running');
    // Let start-up work settle before measuring the steady state.
    await new Promise((r) => setTimeout(r, 5000));
    const steady = await cpuAndRss(30_000);
    console.log(`${jobs.length} running jobs printing a line a second, over 30 s: server ${steady.cpuPercent.toFixed(1)} % of one core, RSS ${steady.rssMb.toFixed(0)} MB`);

    // A job.updated burst: every running job stopped at once (stopping, then exited: two each).
    const stopped = new Set<number>();
    let updates = 0;
    let allStopped = () => {};
    const done = new Promise<void>((r) => (allStopped = r));
    const off = api.on('job.updated', ({ job }) => {
      updates++;
      if (job.status !== 'running' && job.status !== 'pending') stopped.add(job.id);
      if (stopped.size === jobs.length) allStopped();
    });
    options.tui?.burstStart();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(jobs.map((j) => api.call('job.stop', { id: j.id, timeoutSeconds: 2 })));
    await done;
    off();
    const c = process.cpuUsage(c0);
    const wallMs = performance.now() - t0;
    const cpuMs = (c.user + c.system) / 1000;
    console.log(`job.updated burst (job.stop of ${jobs.length}): ${updates} updates in ${seconds(wallMs)}; server process CPU ${cpuMs.toFixed(0)} ms (${(cpuMs / updates).toFixed(2)} ms an update)`);
    if (options.tui) {
      // A frame (50 ms) for the TUI to draw the last of them.
      await new Promise((r) => setTimeout(r, 500));
      const t = await options.tui.burstEnd();
      console.log(
        `  the TUI (50 rows shown): ${t.updates} updates applied, ${t.lists} job.list calls, CPU ${t.cpuMs.toFixed(0)} ms (${(t.cpuMs / Math.max(1, t.updates)).toFixed(2)} ms an update), ` +
          `drawn ${t.lagMs.toFixed(0)} ms after the last update (${seconds(t.settleMs)} after the burst began), RSS ${t.rssMb.toFixed(0)} MB`,
      );
      report.figure('TUI: job.list calls during the job.updated burst', t.lists, 'calls', { max: 0 });
      report.figure('TUI: drawn after the last update of the burst', t.lagMs, 'ms', { max: 250 });
    }

    const r0 = performance.now();
    await Promise.all(jobs.map((j) => api.call('job.remove', { id: j.id })));
    console.log(`removed ${jobs.length} at once in ${seconds(performance.now() - r0)}`);
  } finally {
    await removeRaw(tag);
  }
}
