// cjm-tui under load (issue 4): 1,000 jobs in the table and the selected job printing 5,000 lines/s.
// Drives the real app and blessed dashboard in-process, fed the same notification objects the client
// delivers (job.log, job.updated), writing to an in-memory 160x45 terminal. Figures:
// - key -> repaint: from the key's bytes entering the input stream to the output carrying the redraw
//   (median, p95; target median < 50 ms);
// - log pane keeping up: lines produced vs the last line drawn, during the flood and 100 ms after it
//   (target: 0 behind once drawn; the ring holds the last 5,000 lines);
// - peak RSS (target < 150 MB).
// Charts (issue 14 item 7): the same flood with 20 running jobs, each sampled in turn so each has
// its ring, the selected one's line chart redrawn with a sample every 100 ms (15 times the default
// rate), against the same 20 jobs with job.stats refused (no chart) for the difference.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { ErrorCode, RpcError, type Job } from '../../server/protocol/index.js';
import { createClient } from '../../server/protocol/client.js';
import { createApp } from '../../tui/app.js';
import { createConnection } from '../../tui/connection.js';
import { createDashboard } from '../../tui/views/dashboard.js';
import { makeJob } from '../support/job.js';
import { createStubConnection } from '../unit/tui/stub-connection.js';
import { createReport, type Report, type Target } from './report.js';

const JOBS = 1000;
const LINES_PER_SECOND = 5000;
const SECONDS = 10;
const TICK_MS = 10;
const childFlag = '--child';

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function run(report: Report): Promise<void> {
  console.log('-- in-process: 1,000 jobs, 5,000 job.log notifications/s (one line each) --');
  await floodedDashboard(report, { label: 'under a log flood', jobs: manyJobs(), statsIntervalMs: 1500 });
  console.log('-- in-process (own process), charts: 20 running jobs with a ring each, the selected one charted (a sample every 100 ms), 5,000 lines/s --');
  await inChild(report, 'charts');
  console.log('-- the same (own process) without charts (job.stats refused), for the difference --');
  await inChild(report, 'no-charts');
  console.log('-- real server: a busybox job printing ~5,000 lines/s, followed through the real client --');
  await realServerFollow();
}

/** Each chart run has a process of its own, so its RSS is its own and not what the run before left
 * behind; the child sends its figures back. */
async function inChild(report: Report, scenario: keyof typeof childScenarios): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), [childFlag, scenario], { execArgv: process.execArgv, stdio: ['inherit', 'inherit', 'inherit', 'ipc'] });
  child.on('message', (m: { label: string; value: number; unit: string; target: Target }) => report.figure(m.label, m.value, m.unit, m.target));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`the charts bench exited with ${code}`);
}

const childScenarios = {
  charts: (report: Report) => floodedDashboard(report, { label: 'with charts, 20 running jobs, under a log flood', jobs: runningJobs(), statsIntervalMs: 100, fillRings: true }),
  // Printed only: the baseline the charts' cost is read against.
  'no-charts': () => floodedDashboard(undefined, { label: 'no charts', jobs: runningJobs(), statsIntervalMs: 100, refuseStats: true }),
};

/** Real server, real container, real client: does the pane keep up with what the server captured? */
async function realServerFollow(): Promise<void> {
  // Imported here so the in-process figures above are not inflated by the server's modules.
  const { startTestServer } = await import('../support/server.js');
  const server = await startTestServer();
  const connection = createConnection({ connect: createClient }, { url: server.url, token: server.adminToken });
  const app = createApp(connection, { url: server.url, onQuit: () => {}, followDelayMs: 0 });
  const output = Object.assign(new PassThrough(), { columns: 160, rows: 45, isTTY: true });
  output.resume();
  const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => {} });
  let jobId: number | undefined;
  try {
    await connection.start();
    const dash = createDashboard(app, { input, output, frameMs: 50 });
    const job = await connection.call('job.create', {
      name: `tui-bench-${Date.now().toString(36)}`,
      image: 'busybox',
      // 100 lines every ~20 ms (seq + sleep 0.015): about 5,000 lines/s for 12 s.
      cmd: 'i=0; while [ $i -lt 600 ]; do seq $((i*100)) $((i*100+99)); i=$((i+1)); sleep 0.015; done',
      cpus: 1,
      memoryMb: 64,
    });
    jobId = job.id;
    app.jobs.select(job.id);
    const deadline = Date.now() + 30_000;
    while (app.jobs.get(job.id)?.status !== 'running' && Date.now() < deadline) await sleep(20);
    const t0 = performance.now();
    let peakRss = 0;
    const rss = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
    await sleep(10_000);
    const { size } = await connection.call('job.logs', { id: job.id, tailBytes: 0 });
    const shown = app.logs.position ?? 0;
    const lines = app.logs.buffer.endSeq;
    const perLine = shown / Math.max(1, lines);
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(rss);
    console.log(`captured by the server after ${seconds.toFixed(1)} s: ${size} bytes (~${Math.round(size / perLine / seconds)} lines/s)`);
    // job.logs and the follow race by a chunk or two; at or below 0 the pane has all the server had.
    const behind = size - shown;
    console.log(`log pane behind the server at that moment: ${Math.max(0, behind)} bytes (~${Math.max(0, Math.round(behind / perLine))} lines)${behind < 0 ? ` (the pane was ${-behind} bytes ahead of the size job.logs reported)` : ''}; ring holds ${app.logs.buffer.size} of ${app.logs.buffer.capacity}`);
    console.log(`peak RSS: ${(peakRss / 1024 / 1024).toFixed(0)} MB (this process also runs the server)`);
    dash.destroy();
  } finally {
    if (jobId !== undefined) await connection.call('job.remove', { id: jobId }).catch(() => {});
    app.dispose();
    connection.close();
    await server.close();
  }
}

const manyJobs = (): Job[] =>
  Array.from({ length: JOBS }, (_, i) =>
    makeJob({ id: i + 1, name: `job-${i + 1}`, status: i % 3 === 0 ? 'running' : 'exited', reason: i % 3 === 0 ? null : 'completed', exitCode: i % 3 === 0 ? null : 0 }),
  );
const runningJobs = (): Job[] => Array.from({ length: 20 }, (_, i) => makeJob({ id: i + 1, name: `job-${i + 1}`, cpus: 0.5, memoryMb: 128 }));

interface Scenario {
  label: string;
  jobs: Job[];
  statsIntervalMs: number;
  /** Sample every running job once before the flood, so each has a ring. */
  fillRings?: boolean;
  refuseStats?: boolean;
}

/** Figures go to `report` against their targets; without one they are only printed. */
async function floodedDashboard(report: Report | undefined, scenario: Scenario): Promise<void> {
  const { jobs } = scenario;
  const floodId = jobs.length; // newest first: the selected row
  let samples = 0;
  const conn = createStubConnection({
    'events.subscribe': () => ({ subscription: 'ev' }),
    'system.info': () => ({ version: 'bench', docker: { version: '20.10', apiVersion: '1.41' }, runtime: 'runc', capacity: { cpus: 2, memoryMb: 4096 }, allocated: { cpus: 0, memoryMb: 0 }, queued: 0, enforcement: { cpus: true, memory: true, ioWeight: true, pids: true } }),
    'job.list': () => ({ jobs, nextCursor: null, total: null, totalCapped: false }),
    'job.logs': ({ id }) => ({ id, text: '', chunks: [], size: 0, truncated: false }),
    'job.follow': () => ({ subscription: 'flood' }),
    'job.unfollow': () => ({ ok: true }),
    'job.stats': () => {
      if (scenario.refuseStats) throw new RpcError(ErrorCode.JobNotRunning);
      samples++;
      // A moving load, so each sample changes the chart.
      return { cpuPercent: 25, cpuPercentOfLimit: 50 + 45 * Math.sin(samples / 5), memoryBytes: 6e7 + 1e6 * (samples % 40), memoryLimitBytes: 1.3e8, pids: 3, blkioReadBytes: 0, blkioWriteBytes: 0, at: new Date().toISOString() };
    },
  });

  const output = Object.assign(new PassThrough(), { columns: 160, rows: 45, isTTY: true });
  const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => {} });
  let outputWrites = 0;
  let outputBytes = 0;
  let onWrite: (() => void) | undefined;
  output.on('data', (d: Buffer) => {
    outputWrites++;
    outputBytes += d.length;
    onWrite?.();
  });
  const rssBefore = process.memoryUsage().rss;

  const app = createApp(conn, { url: 'ws://bench/rpc', onQuit: () => {}, followDelayMs: 0, statsIntervalMs: scenario.statsIntervalMs });
  await conn.start();
  const dash = createDashboard(app, { input, output, frameMs: 50 });
  if (scenario.fillRings) {
    for (const job of jobs) {
      app.jobs.select(job.id);
      while (app.stats?.jobId !== job.id) await sleep(5);
    }
    app.jobs.select(floodId);
  }
  while (app.logs.jobId !== floodId) await sleep(10);
  await sleep(50);
  // The newest line the pane drew: the dashboard asks the pane for its window once per frame.
  let drawnEnd = 0;
  const realWindow = app.logs.window.bind(app.logs);
  (app.logs as { window: typeof app.logs.window }).window = (h) => {
    const lines = realWindow(h);
    drawnEnd = (lines[lines.length - 1]?.seq ?? -1) + 1;
    return lines;
  };
  const rssReady = process.memoryUsage().rss;

  // The flood: 50 lines every 10 ms, one job.log notification per line (the worst case for the client).
  let produced = 0;
  let offset = 0;
  let peakRss = 0;
  const lags: number[] = [];
  const t0 = performance.now();
  const flood = setInterval(() => {
    const due = Math.min(LINES_PER_SECOND * SECONDS, Math.floor(((performance.now() - t0) / 1000) * LINES_PER_SECOND));
    while (produced < due) {
      const data = `line ${produced} ${'x'.repeat(60)}\n`;
      const n = Buffer.byteLength(data);
      conn.emit('job.log', { subscription: 'flood', id: floodId, stream: produced % 50 === 49 ? 'stderr' : 'stdout', data, offset, nextOffset: offset + n, at: '2026-01-01T00:00:00.000Z' });
      offset += n;
      produced++;
    }
    // A little status churn in the table too.
    if (produced % 500 < 50) conn.emit('job.updated', { job: { ...jobs[(produced / 50) % jobs.length | 0]!, progress: null } });
  }, TICK_MS);
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    lags.push(produced - lastDrawn());
  }, 100);

  // One line per notification, so the buffer's sequence numbers are line numbers.
  const lastDrawn = () => drawnEnd;

  // Keys during the flood: Tab flips the focused pane (borders and hints repaint), '?' opens help and
  // Esc closes it. Time from the bytes entering the input to the next output write after the key
  // was handled (the dashboard draws synchronously after every key).
  const latencies: number[] = [];
  const realKey = app.key.bind(app);
  let handledAt = 0;
  (app as { key: typeof app.key }).key = (k, ch) => {
    realKey(k, ch);
    handledAt = performance.now();
  };
  const sequence = ['\t', '\t', '?', '\x1b'];
  let i = 0;
  while (performance.now() - t0 < SECONDS * 1000 - 200) {
    const key = sequence[i++ % sequence.length]!;
    const start = performance.now();
    handledAt = 0;
    const painted = new Promise<number>((resolve) => {
      onWrite = () => {
        if (handledAt > 0) {
          onWrite = undefined;
          resolve(performance.now());
        }
      };
    });
    input.write(key);
    const end = await Promise.race([painted, sleep(2000).then(() => NaN)]);
    onWrite = undefined;
    latencies.push(end - start);
    await sleep(30 + Math.random() * 40);
  }

  while (produced < LINES_PER_SECOND * SECONDS) await sleep(5);
  const floodMs = performance.now() - t0;
  clearInterval(flood);
  await sleep(120);
  const behindAfter = produced - lastDrawn();
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);

  const sorted = latencies.filter(Number.isFinite).sort((a, b) => a - b);
  const lagSorted = [...lags].sort((a, b) => a - b);
  const lost = latencies.length - sorted.length;
  const charted = app.stats;
  console.log(charted ? `chart: job ${charted.jobId} with ${charted.cpu.length} samples in its ring; ${samples} job.stats answered` : 'chart: none (no samples)');
  console.log(`jobs in the table: ${app.jobs.size}; log lines produced: ${produced} in ${(floodMs / 1000).toFixed(1)} s (${Math.round(produced / (floodMs / 1000))} lines/s, one notification each)`);
  console.log(`key -> repaint: median ${pct(sorted, 50).toFixed(1)} ms, p95 ${pct(sorted, 95).toFixed(1)} ms, max ${(sorted[sorted.length - 1] ?? NaN).toFixed(1)} ms over ${latencies.length} keys${lost ? `, ${lost} never repainted` : ''} (target median < 50 ms)`);
  console.log(`log pane lag during the flood (lines produced but not yet drawn, sampled every 100 ms): median ${pct(lagSorted, 50)}, p95 ${pct(lagSorted, 95)}, max ${lagSorted[lagSorted.length - 1]}`);
  console.log(`log pane behind 120 ms after the last line: ${behindAfter} lines (target 0); ring holds ${app.logs.buffer.size} of ${app.logs.buffer.capacity} lines`);
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
  report?.figure(`key -> repaint median ${scenario.label}`, pct(sorted, 50), 'ms', { max: 50 });
  report?.figure(`log pane lines behind 120 ms after the last line (${scenario.label})`, behindAfter, 'lines', { max: 0 });
  report?.figure(`TUI peak RSS ${scenario.label}`, peakRss / 1024 / 1024, 'MB', { max: 150 });
  console.log(`peak RSS: ${mb(peakRss)} (target < 150 MB); at start ${mb(rssBefore)}, with ${jobs.length} jobs drawn ${mb(rssReady)}; terminal output ${outputWrites} writes, ${(outputBytes / 1024 / 1024).toFixed(1)} MB`);

  dash.destroy();
  app.dispose();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.includes(childFlag)) {
    const scenario = process.argv[process.argv.indexOf(childFlag) + 1] as keyof typeof childScenarios;
    const send = (m: unknown) => new Promise<void>((resolve) => (process.send ? process.send(m, () => resolve()) : resolve()));
    const sent: Promise<void>[] = [];
    await childScenarios[scenario]({ figure: (label, value, unit, target) => void sent.push(send({ label, value, unit, target })), misses: () => [] });
    await Promise.all(sent);
    process.disconnect?.();
  } else {
    await run(createReport());
  }
}
