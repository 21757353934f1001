// Job server figures (issue 2), each against a baseline measured in the same run:
// - job.create -> running, median/p95, vs raw dockerode create+start of the same job on a user-defined
//   bridge network, as cjm's job is (its owner's network; one costs Docker ~85 ms more per start
//   than the default bridge here), and vs raw on the default bridge for reference;
// - 50 concurrent creates until all run, vs 50 concurrent raw create+start on a user-defined network
//   (before and after);
// - with 10,000 jobs in the table: job.list (50 a page) and job.get p50/p99 over the socket;
// - server RSS (the server runs as its own process: node dist/server/main.js).
// CJM_BENCH_SERVER_ONLY=sequential stops after the first figure (create -> running), for repeated runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { createClient, type CjmClient } from '../../server/protocol/client.js';
import { createDockerRuntime } from '../../server/adapters/docker/index.js';
import { createMysqlPool, createJobStore } from '../../server/adapters/mysql/index.js';
import { createTestDatabase } from '../support/database.js';
import { waitFor } from '../support/wait.js';
import type { Report } from './report.js';

const IMAGE = 'busybox:latest';
const docker = new Docker();

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}
const ms = (n: number) => `${n.toFixed(1)} ms`;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
// One at a time: 0.1 CPU, each removed before the next pair. At once: 50 that fit a 2-CPU host's
// capacity together (more would wait in cjm's queue while raw starts them all, timing the queue, not
// launches). Not smaller: the CPU quota also throttles the container's own start (at 0.01 CPU raw
// create+start took 1.5 s here).
const one = { cpus: 0.1, memoryMb: 32 };
const many = { cpus: 0.04, memoryMb: 16 };

async function rawCreateStart(tag: string, size = one, network?: string): Promise<{ ms: number; id: string }> {
  const t0 = performance.now();
  const c = await docker.createContainer({
    Image: IMAGE,
    Entrypoint: ['/bin/sh', '-c'],
    Cmd: ['sleep 30'],
    Labels: { 'cjm.bench': tag, 'cjm.managed': 'false' },
    HostConfig: { NanoCpus: size.cpus * 1e9, Memory: size.memoryMb * 1024 * 1024, MemorySwap: size.memoryMb * 1024 * 1024, ...(network ? { NetworkMode: network } : {}) },
  });
  await c.start();
  return { ms: performance.now() - t0, id: c.id };
}

async function cleanupRaw(tag: string) {
  const list = await docker.listContainers({ all: true, filters: { label: [`cjm.bench=${tag}`] } });
  await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
}

async function createUntilRunning(api: CjmClient, name: string, size = one): Promise<{ ms: number; id: number }> {
  const t0 = performance.now();
  const job = await api.call('job.create', { name, image: IMAGE, cmd: 'sleep 30', ...size });
  // Watch job.updated rather than polling, so polling cost does not count.
  await new Promise<void>((resolve, reject) => {
    const off = api.on('job.updated', ({ job: j }) => {
      if (j.id !== job.id) return;
      if (j.status === 'running') {
        off();
        resolve();
      } else if (j.status !== 'pending') {
        off();
        reject(new Error(`job ${j.id} ended ${j.status}: ${j.reason}`));
      }
    });
  });
  return { ms: performance.now() - t0, id: job.id };
}

function rssMb(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(status.match(new RegExp(`^${k}:\\s+(\\d+)`, 'm'))?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

export async function run(report: Report): Promise<void> {
  if (!existsSync('dist/server/main.js')) throw new Error('run `npm run build` first (the bench measures the built server)');
  const db = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'cjm-bench-'));
  const token = `cjm_bench_${randomBytes(16).toString('hex')}`;
  const port = 20000 + Math.floor(Math.random() * 20000);
  const tag = `bench-${Date.now()}`;
  let server: ChildProcess | undefined;
  let api: CjmClient | undefined;
  try {
    server = spawn(process.execPath, ['dist/server/main.js'], {
      env: { ...process.env, CJM_LISTEN: `127.0.0.1:${port}`, CJM_DATABASE_URL: db.url, CJM_DATA_DIR: dataDir, CJM_ADMIN_TOKEN: token, CJM_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const url = `ws://127.0.0.1:${port}/rpc`;
    api = await waitFor('server to listen', async () => createClient(url, token).catch(() => null), 60_000);
    await api.call('events.subscribe', {});

    // Like cjm's own user network: made once, before the timed part.
    const network = `cjm-bench-${tag}`;
    await docker.createNetwork({ Name: network, Driver: 'bridge', Labels: { 'cjm.bench': tag } });
    // warm-up every path once
    await rawCreateStart(tag);
    await rawCreateStart(tag, one, network);
    await createUntilRunning(api, `${tag}-warm`);

    // 40 triples, interleaved: with fewer, p95 is one or two samples and swings with host noise.
    const N = 40;
    const raw: number[] = [];
    const rawNet: number[] = [];
    const cjm: number[] = [];
    for (let i = 0; i < N; i++) {
      const r = await rawCreateStart(tag);
      raw.push(r.ms);
      const rn = await rawCreateStart(tag, one, network);
      rawNet.push(rn.ms);
      const c = await createUntilRunning(api, `${tag}-seq-${i}`);
      cjm.push(c.ms);
      // Out of the timed part, so that jobs of a run never fill the capacity and queue.
      await docker.getContainer(r.id).remove({ force: true });
      await docker.getContainer(rn.id).remove({ force: true });
      await api.call('job.remove', { id: c.id });
    }
    const [rm, rp] = [pct(raw, 50), pct(raw, 95)];
    const [nm, np] = [pct(rawNet, 50), pct(rawNet, 95)];
    const [cm, cp] = [pct(cjm, 50), pct(cjm, 95)];
    console.log(`create -> running (n=${N}): raw dockerode on a user-defined network median ${ms(nm)} p95 ${ms(np)}; on the default bridge median ${ms(rm)} p95 ${ms(rp)}; cjm median ${ms(cm)} p95 ${ms(cp)}`);
    console.log(`  ratio vs raw on a user-defined network: median ${(cm / nm).toFixed(2)}x p95 ${(cp / np).toFixed(2)}x; vs the default bridge: median ${(cm / rm).toFixed(2)}x p95 ${(cp / rp).toFixed(2)}x`);
    report.figure('create -> running vs raw dockerode on a user-defined network (median ratio)', cm / nm, 'x', { max: 1.05 });
    await cleanupRaw(tag);
    await removeAll(api);
    if (process.env.CJM_BENCH_SERVER_ONLY === 'sequential') return;

    // At once: raw on the same kind of network as cjm's jobs (Docker serialises much of a start's
    // network set-up), then cjm, then raw again; cjm against the mean of the two raw runs.
    const C = 50;
    const rawBurst = async () => {
      const t = performance.now();
      await Promise.all(Array.from({ length: C }, () => rawCreateStart(tag, many, network)));
      const wall = performance.now() - t;
      await cleanupRaw(tag);
      return wall;
    };
    const rawBefore = await rawBurst();
    const t0 = performance.now();
    await Promise.all(Array.from({ length: C }, (_, i) => createUntilRunning(api!, `${tag}-par-${i}`, many)));
    const cjmWall = performance.now() - t0;
    await removeAll(api);
    const rawAfter = await rawBurst();
    const rawWall = (rawBefore + rawAfter) / 2;
    console.log(`${C} concurrent creates until running: raw on a user-defined network ${(rawBefore / 1000).toFixed(2)} s before, ${(rawAfter / 1000).toFixed(2)} s after; cjm ${(cjmWall / 1000).toFixed(2)} s; ratio ${(cjmWall / rawWall).toFixed(2)}x`);
    report.figure(`${C} concurrent creates until running vs raw on a user-defined network (wall ratio)`, cjmWall / rawWall, 'x', { max: 1.25 });

    // 10,000 rows straight through the store (the socket path is what is measured below).
    const pool = createMysqlPool(db.url);
    const store = createJobStore({ pool, logger: quiet });
    const ROWS = 10_000;
    const ids: number[] = [];
    for (let i = 0; i < ROWS; i += 50) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(50, ROWS - i) }, (_, k) =>
          store.insert({ name: `${tag}-row-${i + k}`, image: IMAGE, cmd: 'true', cpus: 0.1, memoryMb: 16, ioWeight: 500, pidsLimit: 512, timeoutSeconds: 0, env: {}, network: 'bridge', ports: [], constraints: [], owner: 'admin', createdAt: new Date() }),
        ),
      );
      // Finished, so the server's reconciler leaves them alone.
      await Promise.all(batch.map((j) => store.update(j.id, { status: 'exited', reason: 'completed', exitCode: 0, finishedAt: new Date() })));
      ids.push(...batch.map((j) => j.id));
    }
    await pool.end();
    const listT: number[] = [];
    const getT: number[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 500; i++) {
      const s = performance.now();
      const page: { nextCursor: string | null } = await api.call('job.list', { limit: 50, cursor });
      listT.push(performance.now() - s);
      cursor = page.nextCursor && i % 40 !== 39 ? page.nextCursor : null;
    }
    for (let i = 0; i < 2000; i++) {
      const id = ids[Math.floor(Math.random() * ids.length)]!;
      const s = performance.now();
      await api.call('job.get', { id });
      getT.push(performance.now() - s);
    }
    console.log(`with ${ROWS} jobs: job.list(50) p50 ${ms(pct(listT, 50))} p99 ${ms(pct(listT, 99))}; job.get p50 ${ms(pct(getT, 50))} p99 ${ms(pct(getT, 99))}`);
    report.figure(`job.list(50) p99 with ${ROWS} jobs`, pct(listT, 99), 'ms', { max: 20 });
    report.figure(`job.get p99 with ${ROWS} jobs`, pct(getT, 99), 'ms', { max: 5 });
    const mem = rssMb(server.pid!);
    console.log(`server RSS now ${mem.rss.toFixed(0)} MB, peak ${mem.hwm.toFixed(0)} MB`);
    report.figure('server peak RSS', mem.hwm, 'MB', { max: 150 });
  } finally {
    api?.close();
    server?.kill('SIGTERM');
    await cleanupRaw(tag);
    await docker.getNetwork(`cjm-bench-${tag}`).remove().catch(() => undefined);
    const left = await docker.listContainers({ all: true, filters: { label: ['cjm.managed=true'] } });
    for (const c of left.filter((c) => (c.Names[0] ?? '').includes(tag))) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    // Those containers went behind the server's back: sweep their parent cgroups as its reconcile
    // would (the server's instance is its database's name).
    await createDockerRuntime({ docker, logger: quiet }, { instance: new URL(db.url).pathname.slice(1) }).listManaged();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function removeAll(api: CjmClient) {
  for (;;) {
    const { jobs } = await api.call('job.list', { limit: 500 });
    if (!jobs.length) return;
    await Promise.all(jobs.map((j) => api.call('job.remove', { id: j.id })));
  }
}
