// The queue's drain (issue 16), against a baseline measured in the same run: N `true` jobs submitted
// at once to a server with capacity for 8 at a time (CJM_CAPACITY_CPUS=0.8, jobs of 0.1 CPU), timed
// until every one has exited, against a raw dockerode loop keeping 8 in flight over N containers
// (create, start, wait; no network, as the jobs), run before the drain and again after it. While the drain runs: job.list p99 over the socket,
// timed by a client in another process (list-sampler.ts), and the server's RSS. The same client times
// job.list on the same server, idle, while the raw loop runs: what this machine's load (Docker's work
// and whatever else runs) costs a call by itself, in the same run; and a system.ping after every list,
// in both phases: what any call costs at that moment. N is 1,000, or BENCH_QUEUE_JOBS.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { createDockerRuntime } from '../../server/adapters/docker/index.js';
import { createClient, type CjmClient } from '../../server/protocol/client.js';
import { createTestDatabase } from '../support/database.js';
import { waitFor } from '../support/wait.js';
import type { Report } from './report.js';

const IMAGE = 'busybox:latest';
const IN_FLIGHT = 8;
const docker = new Docker();
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** Starts list-sampler.ts against the server; stop() answers the job.list and system.ping times (ms). */
async function startListSampler(url: string, token: string): Promise<{ stop(): Promise<{ times: number[]; pings: number[] }> }> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(new URL('./list-sampler.ts', import.meta.url))], {
    env: { ...process.env, CJM_URL: url, CJM_TOKEN: token },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const messages: unknown[] = [];
  let wake = () => {};
  child.on('message', (m) => {
    messages.push(m);
    wake();
  });
  child.on('exit', () => wake());
  const next = async () => {
    while (messages.length === 0) {
      if (child.exitCode !== null) throw new Error(`the list sampler exited (${child.exitCode}) without answering`);
      await new Promise<void>((r) => (wake = r));
    }
    return messages.shift();
  };
  await next();
  return {
    async stop() {
      child.send('stop');
      return (await next()) as { times: number[]; pings: number[] };
    },
  };
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(status.match(/^VmRSS:\s+(\d+)/m)?.[1] ?? 0) / 1024;
}

/** N containers running `true`, IN_FLIGHT at a time: create, start, wait. Returns seconds. */
async function rawDrain(n: number, tag: string): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < n) {
      next++;
      const c = await docker.createContainer({
        Image: IMAGE,
        Entrypoint: ['/bin/sh', '-c'],
        Cmd: ['true'],
        Labels: { 'cjm.bench': tag },
        HostConfig: { Init: true, NetworkMode: 'none', NanoCpus: 100_000_000, Memory: 16 * 1024 * 1024, MemorySwap: 16 * 1024 * 1024 },
      });
      await c.start();
      await c.wait();
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return (performance.now() - t0) / 1000;
}

/** Memory cgroups the kernel still holds: removed ones linger ("dying") while pages are charged to
 * them, and every container start pays for them, so each phase of the bench would run slower than the
 * one before it (measured here: 3,366 dying after four runs; the raw loop 7.6 -> 6.5 jobs/s). */
const memoryCgroups = () => Number(/^memory\s+\d+\s+(\d+)/m.exec(readFileSync('/proc/cgroups', 'utf8'))?.[1] ?? NaN);

/** Drops the page cache, which lets the kernel free the dying memory cgroups (it does so in the
 * background: waited for until the count stops falling, at most 20 s), so that each phase starts from
 * the same kernel state. Root only; says so when it cannot. */
async function settleKernel(phase: string): Promise<void> {
  const before = memoryCgroups();
  try {
    execFileSync('sync');
    writeFileSync('/proc/sys/vm/drop_caches', '3');
  } catch (err) {
    console.log(`before ${phase}: could not drop the page cache (${(err as Error).message}); ${before} memory cgroups in the kernel`);
    return;
  }
  let count = memoryCgroups();
  for (let waited = 0; waited < 20_000; waited += 1000) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = memoryCgroups();
    if (now >= count) break;
    count = now;
  }
  console.log(`before ${phase}: page cache dropped, memory cgroups in the kernel ${before} -> ${count}`);
}

async function removeLabelled(label: string) {
  const list = await docker.listContainers({ all: true, filters: { label: [label] } });
  for (let i = 0; i < list.length; i += 16) {
    await Promise.all(list.slice(i, i + 16).map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  }
}

export async function run(report: Report): Promise<void> {
  if (!existsSync('dist/server/main.js')) throw new Error('run `npm run build` first (the bench measures the built server)');
  const n = Number(process.env.BENCH_QUEUE_JOBS ?? 1000);
  const db = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'cjm-bench-queue-'));
  const token = `cjm_bench_${randomBytes(16).toString('hex')}`;
  const port = 20000 + Math.floor(Math.random() * 20000);
  const tag = `bench-queue-${Date.now()}`;
  const instance = new URL(db.url).pathname.slice(1);
  let server: ChildProcess | undefined;
  let api: CjmClient | undefined;
  try {
    server = spawn(process.execPath, ['dist/server/main.js'], {
      env: {
        ...process.env,
        CJM_LISTEN: `127.0.0.1:${port}`,
        CJM_DATABASE_URL: db.url,
        CJM_DATA_DIR: dataDir,
        CJM_ADMIN_TOKEN: token,
        CJM_LOG_LEVEL: 'warn',
        CJM_CAPACITY_CPUS: String(IN_FLIGHT * 0.1),
        CJM_QUOTA_JOBS: String(Math.max(50, n)),
        CJM_QUOTA_CPUS: String(Math.max(32, Math.ceil(n * 0.1))),
        CJM_RATE_LIMIT: '0',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const url = `ws://127.0.0.1:${port}/rpc`;
    api = await waitFor('server to listen', async () => createClient(url, token, { callTimeoutMs: 120_000 }).catch(() => null), 60_000);
    const c = api;
    const pid = server.pid!;
    await api.call('events.subscribe', {});
    const spec = (name: string) => ({ name, image: IMAGE, cmd: 'true', cpus: 0.1, memoryMb: 16, network: 'none' as const });
    /** Resolves once every job named with this prefix has ended; counts those that did not complete. */
    const ended = (prefix: string, count: number) => {
      let done = 0;
      let failed = 0;
      return new Promise<{ failed: number }>((resolve) => {
        c.on('job.updated', ({ job }) => {
          if (!job.name.startsWith(prefix) || (job.status !== 'exited' && job.status !== 'error')) return;
          if (job.reason !== 'completed') failed++;
          if (++done === count) resolve({ failed });
        });
      });
    };

    // 50 finished jobs first, so job.list answers a full page in both phases.
    const warmUp = async (round: string) => {
      const warm = ended(`${tag}-warm${round}-`, 50);
      await Promise.all(Array.from({ length: 50 }, (_, i) => c.call('job.create', spec(`${tag}-warm${round}-${i}`))));
      await warm;
    };
    await warmUp('1');

    /** The raw loop; with a list sampler, it times the idle server meanwhile. */
    const raw = async (when: string, sample: boolean) => {
      await settleKernel(`the raw loop ${when}`);
      const load = loadavg();
      const sampler = sample ? await startListSampler(url, token) : null;
      const seconds = await rawDrain(n, tag);
      const { times: listTimes, pings } = (await sampler?.stop()) ?? { times: [], pings: [] };
      await removeLabelled(`cjm.bench=${tag}`);
      console.log(`raw dockerode ${when}, ${IN_FLIGHT} in flight: ${n} containers in ${seconds.toFixed(1)} s = ${(n / seconds).toFixed(1)} jobs/s (loadavg ${load} -> ${loadavg()})`);
      return { seconds, listTimes, pings };
    };
    const before = await raw('before', true);

    let peakAllocated = 0;
    let peakRss = rssMb(pid);
    let draining = true;
    const watcher = (async () => {
      while (draining) {
        peakRss = Math.max(peakRss, rssMb(pid));
        peakAllocated = Math.max(peakAllocated, (await c.call('system.info', {})).allocated.cpus);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();

    await settleKernel('the drain');
    const load1 = loadavg();
    const sampler = await startListSampler(url, token);
    const allDone = ended(`${tag}-drain-`, n);
    const t0 = performance.now();
    await Promise.all(Array.from({ length: n }, (_, i) => c.call('job.create', spec(`${tag}-drain-${i}`))));
    const submitted = (performance.now() - t0) / 1000;
    const { failed } = await allDone;
    const cjmSeconds = (performance.now() - t0) / 1000;
    const { times: listT, pings } = await sampler.stop();
    draining = false;
    await watcher;
    peakRss = Math.max(peakRss, rssMb(pid));

    console.log(
      `cjm queue, capacity ${IN_FLIGHT} at a time: ${n} jobs submitted in ${submitted.toFixed(1)} s, all exited in ${cjmSeconds.toFixed(1)} s = ${(n / cjmSeconds).toFixed(1)} jobs/s ` +
        `(${failed} not completed; peak allocated ${peakAllocated.toFixed(1)} CPUs of ${(IN_FLIGHT * 0.1).toFixed(1)}; loadavg ${load1} -> ${loadavg()})`,
    );
    console.log(`while draining: job.list(50) p50 ${pct(listT, 50).toFixed(1)} ms p99 ${pct(listT, 99).toFixed(1)} ms (n=${listT.length}); system.ping p50 ${pct(pings, 50).toFixed(1)} ms p99 ${pct(pings, 99).toFixed(1)} ms; server peak RSS ${peakRss.toFixed(0)} MB`);
    // The machine's load drifts over a run (other work starts and stops): the raw loop runs again
    // after the drain, and the drain is compared with the mean of the two. The drain's jobs go first
    // (removed as a user would, containers and parent cgroups with them) and 50 finished jobs are made
    // again, so that Docker holds as many containers and job.list answers as full a page as in the
    // first run; the server stays up and the list sampler runs again, so that both raw runs share the
    // machine with the same idle server and client.
    for (const status of ['exited', 'error'] as const) await api.call('job.removeMany', { status });
    await warmUp('2');
    const after = await raw('after', true);
    const rawSeconds = (before.seconds + after.seconds) / 2;
    for (const [when, ref] of [['before', before], ['after', after]] as const) {
      console.log(`while the raw loop ran ${when}, cjm idle: job.list(50) p50 ${pct(ref.listTimes, 50).toFixed(1)} ms p99 ${pct(ref.listTimes, 99).toFixed(1)} ms (n=${ref.listTimes.length}); system.ping p50 ${pct(ref.pings, 50).toFixed(1)} ms p99 ${pct(ref.pings, 99).toFixed(1)} ms`);
    }
    report.figure(`drain of ${n}: jobs/s vs raw dockerode with ${IN_FLIGHT} in flight (mean of before and after)`, rawSeconds / cjmSeconds, 'x', { min: 0.9 });
    report.figure('server peak RSS while draining', peakRss, 'MB', { max: 200 });
    report.figure('job.list(50) p99 while draining', pct(listT, 99), 'ms', { max: 20 });
    report.figure('jobs that did not complete', failed, 'jobs', { max: 0 });
  } finally {
    api?.close();
    server?.kill('SIGTERM');
    await removeLabelled(`cjm.bench=${tag}`);
    await removeLabelled(`cjm.instance=${instance}`);
    // Those containers went behind the server's back: sweep their parent cgroups as its reconcile would.
    await createDockerRuntime({ docker, logger: quiet }, { instance }).listManaged();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
