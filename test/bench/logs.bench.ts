// Log capture figures (issue 3): 200 MB capture vs plain run and vs `docker logs -f`, peak RSS,
// tail of a 1 GiB log, and write-in-container -> follow latency at ~1 MB/s.
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { createFileLogStore } from '../../server/adapters/logs/index.js';
import { RECORD_SIZE, encodeRecord } from '../../server/adapters/logs/index-record.js';
import { readTail } from '../../server/adapters/logs/read-tail.js';
import { logPaths } from '../../server/adapters/logs/log-files.js';
import { removeLabelled, silentLogger, testDocker, testJob, testRunTag } from '../support/docker.js';
import { createShellContainer, logsRuntime, realClock } from '../support/logs.js';
import type { Report } from './report.js';

const MB200 = 209_715_200;
const YES = `yes 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef | head -c ${MB200}`;

// Not cjm.managed: other cjm servers on this dockerd would reap them mid-measurement.
const unmanaged = { managed: false } as const;
const ms = (n: number) => `${n.toFixed(0)} ms`;
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function timeBaseline(docker: Docker, tag: string): Promise<number> {
  const id = await createShellContainer(docker, tag, YES, unmanaged);
  const c = docker.getContainer(id);
  const t0 = performance.now();
  await c.start();
  const exit = (await c.wait()) as { StatusCode: number };
  if (exit.StatusCode !== 0) throw new Error(`baseline container exited ${exit.StatusCode}`);
  return performance.now() - t0;
}

async function timeDockerLogsFollow(docker: Docker, tag: string): Promise<number> {
  const id = await createShellContainer(docker, tag, YES, unmanaged);
  const c = docker.getContainer(id);
  const t0 = performance.now();
  await c.start();
  let bytes = 0;
  await new Promise<void>((resolve, reject) => {
    const p = spawn('docker', ['logs', '-f', id], { stdio: ['ignore', 'pipe', 'inherit'] });
    p.stdout.on('data', (d: Buffer) => (bytes += d.length));
    p.on('error', reject);
    p.on('exit', () => resolve());
  });
  if (bytes !== MB200) console.log(`  (docker logs -f read ${bytes} bytes)`);
  return performance.now() - t0;
}

async function timeCapture(docker: Docker, tag: string, dataDir: string): Promise<{ ms: number; peakRss: number; cpuMs: number }> {
  const store = createFileLogStore(
    { runtime: logsRuntime(docker), clock: realClock, logger: silentLogger },
    { dataDir, maxBytes: 256 * 1024 * 1024 },
  );
  const job = testJob({}, tag);
  const id = await createShellContainer(docker, tag, YES, unmanaged);
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 25);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await store.capture(job, id);
  await docker.getContainer(id).start();
  await store.drained(job.id);
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  const tail = await store.tail(job.id, 10, 'all');
  if (tail.size !== MB200) throw new Error(`captured ${tail.size} bytes, expected ${MB200}`);
  await store.remove(job.id);
  await store.close();
  return { ms: elapsed, peakRss, cpuMs: (cpu.user + cpu.system) / 1000 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A 1 GiB log in the store's own format: 4 KiB records alternating stdout/stderr. */
async function writeBigLog(dataDir: string, jobId: number): Promise<void> {
  const paths = logPaths(dataDir, jobId);
  await mkdir(paths.dir, { recursive: true });
  const line = Buffer.from('0123456789abcdef'.repeat(7) + 'line of a big log\n'); // 130 bytes
  const block = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < block.length; i++) block[i] = line[i % line.length]!;
  const recordBytes = 4096;
  const data = await open(paths.data, 'w');
  const index = await open(paths.index, 'w');
  const recsPerBlock = block.length / recordBytes;
  const idx = Buffer.alloc(recsPerBlock * RECORD_SIZE);
  const counts = { stdout: 0, stderr: 0 };
  const now = Date.now();
  for (let b = 0; b < 1024; b++) {
    await data.write(block);
    for (let r = 0; r < recsPerBlock; r++) {
      const stream = r % 2 === 0 ? 'stdout' : 'stderr';
      counts[stream] += recordBytes;
      encodeRecord(
        { offset: b * block.length + r * recordBytes, length: recordBytes, stream, marker: false, timeMs: now, dockerStdout: counts.stdout, dockerStderr: counts.stderr },
        idx,
        r * RECORD_SIZE,
      );
    }
    await index.write(idx);
  }
  await Promise.all([data.close(), index.close()]);
  await writeFile(paths.state, '{"complete":true}\n');
}

async function tailFigures(dataDir: string, stream: 'all' | 'stderr'): Promise<{ p50: number; p99: number }> {
  const paths = logPaths(dataDir, 1);
  for (let i = 0; i < 20; i++) await readTail(paths, 20 * 1024, stream); // warm up
  const times: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const t0 = performance.now();
    const tail = await readTail(paths, 20 * 1024, stream);
    times.push(performance.now() - t0);
    if (tail.text.length < 19 * 1024) throw new Error('short tail');
  }
  times.sort((a, b) => a - b);
  return { p50: pct(times, 50), p99: pct(times, 99) };
}

/** A container writes ~10 KB lines ~100 times a second, each starting with its write time (µs). */
async function liveLatency(docker: Docker, tag: string, dataDir: string): Promise<{ p50: number; p99: number; max: number; lines: number; rate: number }> {
  const cmd = [
    'pad=$(head -c 10000 /dev/zero | tr "\\0" x)',
    'end=$(( $(date +%s) + 10 ))',
    'while [ $(date +%s) -lt $end ]; do',
    '  t=$(adjtimex | awk \'/tv_sec/{s=$2} /tv_usec/{u=$2} END{printf "%d%06d", s, u}\')',
    '  echo "T$t $pad"; usleep 6000',
    'done',
  ].join('\n');
  const store = createFileLogStore({ runtime: logsRuntime(docker), clock: realClock, logger: silentLogger }, { dataDir, maxBytes: 64 * 1024 * 1024 });
  const job = testJob({}, tag);
  const id = await createShellContainer(docker, tag, cmd, unmanaged);
  await store.capture(job, id);
  const latencies: number[] = [];
  let partial = '';
  let bytes = 0;
  const finished = new Promise<void>((resolve) => {
    store.follow(
      job.id,
      0,
      (c) => {
        const now = (performance.timeOrigin + performance.now()) * 1000; // µs
        bytes += c.nextOffset - c.offset;
        const text = partial + c.data;
        const parts = text.split('\n');
        partial = parts.pop()!;
        for (const l of parts) {
          const m = /^T(\d+) /.exec(l);
          if (m) latencies.push((now - Number(m[1])) / 1000);
        }
        return true;
      },
      () => resolve(),
    );
  });
  const t0 = performance.now();
  await docker.getContainer(id).start();
  await finished;
  const seconds = (performance.now() - t0) / 1000;
  await store.close();
  latencies.sort((a, b) => a - b);
  return { p50: pct(latencies, 50), p99: pct(latencies, 99), max: latencies[latencies.length - 1]!, lines: latencies.length, rate: bytes / seconds / 1e6 };
}

export async function run(report: Report): Promise<void> {
  const docker = testDocker();
  await docker.ping();
  const tag = testRunTag('logs-bench');
  const dataDir = await mkdtemp(path.join(tmpdir(), 'cjm-logs-bench-'));
  try {
    console.log('(a) 200 MB written as fast as possible by one busybox container');
    // Alternating rounds, medians: this host is shared, and its load moves the figures a lot.
    const plain: number[] = [];
    const caps: { ms: number; peakRss: number; cpuMs: number }[] = [];
    for (let round = 0; round < 3; round++) {
      plain.push(await timeBaseline(docker, tag));
      caps.push(await timeCapture(docker, tag, dataDir));
    }
    const baseline = median(plain);
    const capMs = median(caps.map((c) => c.ms));
    console.log(`  plain create/start/wait:            ${ms(baseline)}  (rounds: ${plain.map(ms).join(', ')})`);
    console.log(`  cjm capture until log complete:      ${ms(capMs)}  (${(capMs / baseline).toFixed(2)}x plain; rounds: ${caps.map((c) => ms(c.ms)).join(', ')})`);
    report.figure('log store capture (in the bench process) vs plain run (median ratio)', capMs / baseline, 'x', { max: 1.2 });
    console.log(`  cjm CPU time per 200 MB captured:    ${ms(median(caps.map((c) => c.cpuMs)))}`);
    console.log(
      `  peak RSS during capture:             ${(Math.max(...caps.map((c) => c.peakRss)) / 1e6).toFixed(0)} MB (sampled every 25 ms; process maxRSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB)`,
    );
    report.figure('peak RSS during a 200 MB capture', Math.max(...caps.map((c) => c.peakRss)) / 1e6, 'MB', { max: 200 });
    const logsF = await timeDockerLogsFollow(docker, tag);
    console.log(`  docker logs -f until all read:       ${ms(logsF)}  (${(logsF / capMs).toFixed(1)}x cjm's time)`);
    await removeLabelled(docker, `cjm.test=${tag}`);
    await rm(path.join(dataDir, 'jobs'), { recursive: true, force: true });

    console.log('(b) job.logs tail of 20 KiB from a 1 GiB log (1000 calls)');
    const t0 = performance.now();
    await writeBigLog(dataDir, 1);
    console.log(`  (wrote the 1 GiB log in ${ms(performance.now() - t0)})`);
    const all = await tailFigures(dataDir, 'all');
    console.log(`  stream all:    p50 ${all.p50.toFixed(2)} ms, p99 ${all.p99.toFixed(2)} ms`);
    report.figure('20 KiB tail of a 1 GiB log, p99', all.p99, 'ms', { max: 10 });
    const err = await tailFigures(dataDir, 'stderr');
    console.log(`  stream stderr: p50 ${err.p50.toFixed(2)} ms, p99 ${err.p99.toFixed(2)} ms`);
    await rm(path.join(dataDir, 'jobs'), { recursive: true, force: true });

    console.log('(c) write-in-container -> follow onChunk latency');
    const live = await liveLatency(docker, tag, dataDir);
    console.log(
      `  ${live.lines} lines at ${live.rate.toFixed(2)} MB/s: p50 ${live.p50.toFixed(1)} ms, p99 ${live.p99.toFixed(1)} ms, max ${live.max.toFixed(1)} ms`,
    );
    report.figure('write in container -> follow chunk, p99', live.p99, 'ms', { max: 100 });
  } finally {
    await removeLabelled(docker, `cjm.test=${tag}`);
    await rm(dataDir, { recursive: true, force: true });
  }
}
