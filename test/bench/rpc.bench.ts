// The rpc layer's own cost: round trips over a real WebSocket through createRpcServer (auth gate,
// params validation, dispatch, error mapping) with an in-memory JobService behind it, against a bare
// `ws` echo server on the same machine as the baseline. No Docker or MySQL: this isolates transport
// + JSON-RPC overhead from the job service's.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { createClient } from '../../server/protocol/client.js';
import type { Job } from '../../server/protocol/index.js';
import type { AuthService, JobService } from '../../server/core/api.js';
import { createRpcServer } from '../../server/rpc/index.js';
import type { Report } from './report.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const ms = (x: number) => `${x.toFixed(3)} ms`;

const job: Job = {
  id: 1, name: 'bench', image: 'busybox:latest', cmd: 'true', argv: null, cpus: 0.5, memoryMb: 64, ioWeight: 500, pidsLimit: 512,
  timeoutSeconds: 0, env: {}, network: 'bridge', status: 'exited', reason: 'completed', exitCode: 0, owner: 'admin',
  createdAt: new Date().toISOString(), startedAt: null, finishedAt: null, containerId: null,
  enforced: { cpus: true, memory: true, ioWeight: false, pids: true }, progress: null,
} as Job;

// A 20 KiB tail as the log store gives it: lines alternating between the streams, as text and chunks.
const tailChunks = Array.from({ length: 512 }, (_, i) => ({ stream: i % 4 === 3 ? 'stderr' as const : 'stdout' as const, text: `line ${String(i).padStart(5, '0')} ${'x'.repeat(28)}\n` }));
const tail = { text: tailChunks.map((c) => c.text).join(''), chunks: tailChunks, size: 1 << 30, truncated: true };

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/** Sequential round trips of one frame over a bare ws client. */
async function rawRoundTrips(url: string, n: number, headers: Record<string, string> = {}): Promise<number[]> {
  const ws = new WebSocket(url, { headers });
  await new Promise((r) => ws.once('open', r));
  const frame = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'job.get', params: { id: 1 } });
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await new Promise<void>((resolve) => {
      ws.once('message', () => resolve());
      ws.send(frame);
    });
    times.push(performance.now() - t);
  }
  ws.close();
  return times;
}

async function echoBaseline(n: number): Promise<number[]> {
  const http = createServer();
  const wss = new WebSocketServer({ server: http });
  wss.on('connection', (ws) => ws.on('message', (d) => ws.send(d.toString())));
  const port = await listen(http);
  const times = await rawRoundTrips(`ws://127.0.0.1:${port}`, n);
  wss.close();
  await new Promise((r) => http.close(r));
  return times;
}

export async function run(report: Report): Promise<void> {
  const N = 5000;
  // job.logs shaped as the job service shapes it: the tail once, in the form asked for.
  const logs: JobService['logs'] = async (_caller, p) =>
    p.chunks ? { id: p.id, chunks: tail.chunks, size: tail.size, truncated: tail.truncated } : { id: p.id, text: tail.text, size: tail.size, truncated: tail.truncated };
  const jobs = { get: async () => job, list: async () => ({ jobs: Array(50).fill(job), nextCursor: null }), logs } as unknown as JobService;
  const auth: AuthService = { authenticate: async (t) => (t === 'bench-token-0123456789' ? { user: 'admin', admin: true } : null), ensureAdminToken: async () => {} };
  const rpc = createRpcServer({ jobs, auth, logger: silent }, { version: 'bench', rateLimit: { perSecond: 0, burst: 1 } });
  const http = createServer((_req, res) => res.end());
  http.on('upgrade', rpc.handleUpgrade);
  const port = await listen(http);
  const api = await createClient(`ws://127.0.0.1:${port}/rpc`, 'bench-token-0123456789');

  for (let i = 0; i < 500; i++) await api.call('job.get', { id: 1 }); // warm-up
  const base = await echoBaseline(N);
  const rawGet = await rawRoundTrips(`ws://127.0.0.1:${port}/rpc`, N, { Authorization: 'Bearer bench-token-0123456789' });
  const get: number[] = [];
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    await api.call('job.get', { id: 1 });
    get.push(performance.now() - t);
  }
  const list: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const t = performance.now();
    await api.call('job.list', { limit: 50 });
    list.push(performance.now() - t);
  }
  console.log(`ws echo baseline (n=${N}): p50 ${ms(pct(base, 50))} p99 ${ms(pct(base, 99))}`);
  console.log(`job.get via rpc, bare ws client (n=${N}): p50 ${ms(pct(rawGet, 50))} p99 ${ms(pct(rawGet, 99))}; overhead over echo p50 ${ms(pct(rawGet, 50) - pct(base, 50))} p99 ${ms(pct(rawGet, 99) - pct(base, 99))}`);
  console.log(`job.get via rpc, typed client (createClient) (n=${N}): p50 ${ms(pct(get, 50))} p99 ${ms(pct(get, 99))}`);
  console.log(`job.list(50 jobs) via rpc, in-memory service (n=1000): p50 ${ms(pct(list, 50))} p99 ${ms(pct(list, 99))}`);

  // A 20 KiB job.logs tail against system.ping on the same connection, interleaved.
  const ping: number[] = [];
  const logText: number[] = [];
  const logChunks: number[] = [];
  const timed = async (into: number[], call: () => Promise<unknown>) => {
    const t = performance.now();
    await call();
    into.push(performance.now() - t);
  };
  for (let i = 0; i < 3000; i++) {
    await timed(ping, () => api.call('system.ping', {}));
    await timed(logText, () => api.call('job.logs', { id: 1 }));
    await timed(logChunks, () => api.call('job.logs', { id: 1, chunks: true }));
  }
  const answerKb = (chunks: boolean) => (JSON.stringify(chunks ? { chunks: tail.chunks } : { text: tail.text }).length / 1000).toFixed(1);
  console.log(`system.ping (n=3000): p50 ${ms(pct(ping, 50))} p99 ${ms(pct(ping, 99))}`);
  console.log(`job.logs 20 KiB as text (${answerKb(false)} KB): p50 ${ms(pct(logText, 50))} p99 ${ms(pct(logText, 99))}`);
  console.log(`job.logs 20 KiB as chunks (${answerKb(true)} KB): p50 ${ms(pct(logChunks, 50))} p99 ${ms(pct(logChunks, 99))}`);
  report.figure('job.logs 20 KiB (text) p50 minus system.ping p50, same connection', pct(logText, 50) - pct(ping, 50), 'ms', { max: 1 });
  report.figure('job.logs 20 KiB (chunks: true) p50 minus system.ping p50, same connection', pct(logChunks, 50) - pct(ping, 50), 'ms', { max: 1 });

  // Throughput with 200 calls in flight on one connection.
  const t0 = performance.now();
  let done = 0;
  await Promise.all(Array.from({ length: 200 }, async () => {
    while (done < 20_000) {
      done++;
      await api.call('job.get', { id: 1 });
    }
  }));
  const secs = (performance.now() - t0) / 1000;
  console.log(`pipelined job.get, 200 in flight on one connection: ${(done / secs).toFixed(0)} calls/s`);

  api.close();
  await rpc.close();
  await new Promise((r) => http.close(r));
}
