// The live half of the growth bench (issue 18): against a server that already holds the seeded jobs,
// - a burst of N job.create until all run, against raw dockerode's burst of N create+start in the
//   same run (ratio of wall times);
// - R running jobs printing a line a second: the server's CPU (% of one core) and RSS;
// - a job.updated burst (job.stop of every running job): what it costs the server, and what a
//   TUI-like client keeping a window of 50 rows spends applying it, with no re-list.
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

/** What a TUI showing the newest 50 jobs does with job.updated: replace a row it shows, or put a new
 * job on top; never ask for the list again. */
function createWindow(first: Job[]) {
  let rows = first.slice(0, 50);
  let applied = 0;
  let applyMs = 0;
  return {
    apply(job: Job) {
      const t0 = performance.now();
      const at = rows.findIndex((r) => r.id === job.id);
      if (at !== -1) rows[at] = job;
      else if (job.id > (rows[0]?.id ?? 0)) rows = [job, ...rows].slice(0, 50);
      applied++;
      applyMs += performance.now() - t0;
    },
    figures: () => ({ applied, applyMs, shown: rows.length }),
  };
}

export async function live(api: CjmClient, report: Report, options: { burst: number; running: number }): Promise<void> {
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
    const first = await api.call('job.list', { limit: 50 });
    const view = createWindow(first.jobs);
    const stopped = new Set<number>();
    let allStopped = () => {};
    const done = new Promise<void>((r) => (allStopped = r));
    const off = api.on('job.updated', ({ job }) => {
      view.apply(job);
      if (job.status !== 'running' && job.status !== 'pending') stopped.add(job.id);
      if (stopped.size === jobs.length) allStopped();
    });
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(jobs.map((j) => api.call('job.stop', { id: j.id, timeoutSeconds: 2 })));
    await done;
    off();
    const c = process.cpuUsage(c0);
    const wallMs = performance.now() - t0;
    const cpuMs = (c.user + c.system) / 1000;
    const v = view.figures();
    console.log(
      `job.updated burst (job.stop of ${jobs.length}): ${v.applied} updates in ${seconds(wallMs)}; process CPU ${cpuMs.toFixed(0)} ms ` +
        `(${(cpuMs / v.applied).toFixed(2)} ms an update, server and client); 50-row window applied them in ${v.applyMs.toFixed(1)} ms total, no job.list after the first page`,
    );

    const r0 = performance.now();
    await Promise.all(jobs.map((j) => api.call('job.remove', { id: j.id })));
    console.log(`removed ${jobs.length} at once in ${seconds(performance.now() - r0)}`);
  } finally {
    await removeRaw(tag);
  }
}
