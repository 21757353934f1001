// Where a launch's time goes (issues 12 and 18): every Docker API call (docker-modem's dial) and every
// MySQL command (mysql2's addCommand) with its start and end, against an in-process server on the
// real daemons, beside raw dockerode create+start of the same container.
//   seq N [none|bridge]: N creates one at a time; prints the last one's steps on a time line
//     (ALL=1: every one's), then both medians and their ratio;
//   burst N [none|bridge]: N creates at once against raw's N; prints when each create and start ran,
//     the calls by kind with their count and mean time, and the wall ratio.
// CONC sets CJM_DOCKER_CONCURRENCY. Not a *.bench.ts: `npm run bench` does not run it.
// Usage: npx tsx --conditions=cjm-source test/bench/launch-steps.ts seq 10
import { createRequire } from 'node:module';
import Docker from 'dockerode';
import { startTestServer } from '../support/server.js';
import { createClient } from '../../server/protocol/client.js';
import type { Job } from '../../server/protocol/index.js';

const require = createRequire(import.meta.url);
type Ev = { t0: number; t1: number; kind: 'docker' | 'sql'; what: string };
const events: Ev[] = [];
let recording = false;

const Modem = require('docker-modem') as { prototype: { dial(o: { path: string; method: string }, cb: (...a: unknown[]) => void): unknown } };
const dial = Modem.prototype.dial;
Modem.prototype.dial = function (o, cb) {
  const ev: Ev = { t0: performance.now(), t1: NaN, kind: 'docker', what: `${o.method} ${o.path.replace(/[0-9a-f]{64}/, '<id>').replace(/\?.*$/, '')}` };
  if (recording) events.push(ev);
  return dial.call(this, o, (...a: unknown[]) => {
    ev.t1 = performance.now();
    cb(...a);
  });
};
// mysql2's internal base connection: every query, execute and transaction statement passes here.
const BaseConn = require(require.resolve('mysql2').replace(/index\.js$/, 'lib/base/connection.js')) as { prototype: { addCommand(cmd: { sql?: string; query?: { sql?: string }; constructor: { name: string }; once?(e: string, f: () => void): void; onResult?: unknown }): unknown } };
const add = BaseConn.prototype.addCommand;
BaseConn.prototype.addCommand = function (cmd) {
  const sql = (cmd.sql ?? cmd.query?.sql ?? cmd.constructor.name).replace(/\s+/g, ' ').slice(0, 50);
  const ev: Ev = { t0: performance.now(), t1: NaN, kind: 'sql', what: sql };
  if (recording) events.push(ev);
  (cmd as unknown as NodeJS.EventEmitter).once?.('end', () => (ev.t1 = performance.now()));
  return add.call(this, cmd);
};

const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const loop = 'sleep 30';
const rawPhases = { create: [] as number[], start: [] as number[] };
async function raw(tag: string): Promise<number> {
  const t0 = performance.now();
  const c = await docker.createContainer({
    Image: 'busybox:latest',
    Entrypoint: ['/bin/sh', '-c'],
    Cmd: [loop],
    Labels: { 'cjm.bench': tag },
    HostConfig: { NanoCpus: size.cpus * 1e9, Memory: size.memoryMb * 1024 * 1024, MemorySwap: size.memoryMb * 1024 * 1024, NetworkMode: rawNetwork, Init: true },
  });
  const t1 = performance.now();
  await c.start();
  const t2 = performance.now();
  rawPhases.create.push(t1 - t0);
  rawPhases.start.push(t2 - t1);
  return t2 - t0;
}

const [mode = 'seq', nArg = '10', network = 'none'] = process.argv.slice(2);
const n = Number(nArg);
// The same size for raw and cjm. A burst as the growth bench's (0.01 CPU: 100 fit a 2-CPU host); one
// at a time 0.1 CPU (a quota that small also throttles the container's own start), and few enough
// that they fit (n <= 19 with the warm-up: jobs run 30 s).
const size = mode === 'seq' ? { cpus: 0.1, memoryMb: 32 } : { cpus: 0.01, memoryMb: 16 };
const tag = `prof-${Date.now().toString(36)}`;
// Raw on a user-defined bridge when cjm's job is on one (its owner's network), else on none.
const rawNetwork = network === 'bridge' ? `${tag}-net` : 'none';
if (network === 'bridge') await docker.createNetwork({ Name: rawNetwork, Driver: 'bridge', Labels: { 'cjm.bench': tag } });
const server = await startTestServer({ env: { CJM_QUOTA_JOBS: '500', CJM_QUOTA_CPUS: '500', ...(process.env.CONC ? { CJM_DOCKER_CONCURRENCY: process.env.CONC } : {}) } });
const api = await createClient(server.url, server.adminToken, { callTimeoutMs: 300_000 });
await api.call('events.subscribe', {});
const marks: { t: number; id: number; what: string }[] = [];
const waiters = new Map<number, () => void>();
api.on('job.updated', ({ job }: { job: Job }) => {
  if (recording) marks.push({ t: performance.now(), id: job.id, what: `${job.status}${job.progress ? ` (${job.progress})` : ''}` });
  if (job.status !== 'pending') waiters.get(job.id)?.();
});
const spec = (name: string) => ({ name, image: 'busybox:latest', cmd: loop, ...size, network: network as 'none' | 'bridge' });
async function cjm(name: string): Promise<{ ms: number; job: Job; t0: number; tCreated: number }> {
  const t0 = performance.now();
  let done = () => {};
  const running = new Promise<void>((r) => (done = r));
  const job = await api.call('job.create', spec(name));
  const tCreated = performance.now();
  waiters.set(job.id, done);
  await running;
  return { ms: performance.now() - t0, job, t0, tCreated };
}
const med = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
try {
  await raw(tag);
  await cjm(`${tag}-warm`);
  if (mode === 'seq') {
    const r: number[] = [];
    const c: number[] = [];
    const phases = { before: [] as number[], create: [] as number[], between: [] as number[], start: [] as number[], after: [] as number[] };
    for (let i = 0; i < n; i++) {
      r.push(await raw(tag));
      events.length = 0;
      marks.length = 0;
      recording = true;
      const res = await cjm(`${tag}-s${i}`);
      recording = false;
      c.push(res.ms);
      const create = events.find((e) => e.what === 'POST /containers/create');
      const start = events.find((e) => e.what === 'POST /containers/<id>/start');
      const running = marks.find((m) => m.what.startsWith('running'));
      if (create && start && running) {
        phases.before.push(create.t0 - res.t0);
        phases.create.push(create.t1 - create.t0);
        phases.between.push(start.t0 - create.t1);
        phases.start.push(start.t1 - start.t0);
        phases.after.push(running.t - start.t1);
      }
      if (i === n - 1 || process.env.ALL) {
        const rel = (t: number) => (t - res.t0).toFixed(1).padStart(7);
        const lines = [
          ...events.map((e) => ({ t: e.t0, s: `${rel(e.t0)} ..${rel(e.t1)} (${(e.t1 - e.t0).toFixed(1).padStart(6)}) ${e.kind} ${e.what}` })),
          ...marks.map((m) => ({ t: m.t, s: `${rel(m.t)}   job.updated ${m.what}` })),
          { t: res.tCreated, s: `${rel(res.tCreated)}   job.create answered` },
        ].sort((a, b) => a.t - b.t);
        console.log(`--- job ${res.job.id}: ${res.ms.toFixed(1)} ms (raw before it ${r[r.length - 1]!.toFixed(1)} ms)`);
        for (const l of lines) console.log(l.s);
      }
    }
    const f = (v: number[]) => med(v).toFixed(1);
    console.log(`medians: raw create ${f(rawPhases.create)} start ${f(rawPhases.start)} | cjm before create ${f(phases.before)}, create ${f(phases.create)}, create->start ${f(phases.between)}, start ${f(phases.start)}, start->running seen ${f(phases.after)}`);
    console.log(`seq n=${n}: raw median ${med(r).toFixed(1)} ms; cjm median ${med(c).toFixed(1)} ms; ratio ${(med(c) / med(r)).toFixed(3)}`);
  } else {
    let t0 = performance.now();
    await Promise.all(Array.from({ length: n }, () => raw(tag)));
    const rawWall = performance.now() - t0;
    for (const x of await docker.listContainers({ all: true, filters: { label: [`cjm.bench=${tag}`] } })) await docker.getContainer(x.Id).remove({ force: true });
    events.length = 0;
    recording = true;
    t0 = performance.now();
    await Promise.all(Array.from({ length: n }, (_, i) => cjm(`${tag}-b${i}`)));
    const cjmWall = performance.now() - t0;
    recording = false;
    const by = new Map<string, { n: number; ms: number }>();
    for (const e of events) {
      const k = `${e.kind} ${e.what.replace(/\d+/g, 'N').slice(0, 40)}`;
      const s = by.get(k) ?? { n: 0, ms: 0 };
      s.n++;
      s.ms += e.t1 - e.t0;
      by.set(k, s);
    }
    const base = events[0]?.t0 ?? 0;
    const f = (t: number) => ((t - base) / 1000).toFixed(2);
    for (const kind of ['POST /containers/create', 'POST /containers/<id>/start']) {
      const evs = events.filter((e) => e.what === kind).sort((a, b) => a.t0 - b.t0);
      console.log(`${kind}: ${evs.map((e) => `${f(e.t0)}-${f(e.t1)}`).join(' ')}`);
    }
    for (const [k, s] of [...by].sort((a, b) => b[1].n - a[1].n)) console.log(`${String(s.n).padStart(5)} ${(s.ms / s.n).toFixed(1).padStart(8)} ms avg  ${k}`);
    console.log(`burst n=${n}: raw ${(rawWall / 1000).toFixed(2)} s; cjm ${(cjmWall / 1000).toFixed(2)} s; ratio ${(cjmWall / rawWall).toFixed(3)}; docker calls ${events.filter((e) => e.kind === 'docker').length}, sql commands ${events.filter((e) => e.kind === 'sql').length}`);
  }
} finally {
  api.close();
  for (const x of await docker.listContainers({ all: true, filters: { label: [`cjm.bench=${tag}`] } })) await docker.getContainer(x.Id).remove({ force: true });
  await server.close();
  if (network === 'bridge') await docker.getNetwork(rawNetwork).remove().catch(() => undefined);
}
process.exit(0);
