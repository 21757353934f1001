// Log capture end to end, through the server: job.create of a producer until job.logs holds every
// byte, against a plain `docker run` of the same producer (until the CLI has received every byte),
// alternating in one run. Then, on the same server and socket, a 20 KiB job.logs tail against
// system.ping. The real stack in process: MariaDB, dockerd, the log store, the WebSocket.
import { spawn } from 'node:child_process';
import { createClient, type CjmClient } from '../../server/protocol/client.js';
import { startTestServer } from '../support/server.js';
import type { Report } from './report.js';

const IMAGE = 'busybox:latest';
const BYTES = 48 * 1024 * 1024; // under the default 64 MiB per-job cap, so every byte is kept
const LINE = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n';
const PRODUCER = `yes ${LINE.trim()} | head -c ${BYTES}`;
/** The producer's last n bytes. */
const ending = (n: number) => Array.from({ length: n }, (_, i) => LINE[(BYTES - n + i) % LINE.length]).join('');
const ROUNDS = 3;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const ms = (x: number) => `${x.toFixed(0)} ms`;

function plainDockerRun(tag: string): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const p = spawn('docker', ['run', '--rm', '--label', `cjm.bench=${tag}`, IMAGE, 'sh', '-c', PRODUCER], { stdio: ['ignore', 'pipe', 'inherit'] });
    let bytes = 0;
    p.stdout.on('data', (d: Buffer) => (bytes += d.length));
    p.on('error', reject);
    p.on('exit', (code) => {
      if (code !== 0 || bytes !== BYTES) reject(new Error(`docker run exited ${code} with ${bytes} of ${BYTES} bytes`));
      else resolve(performance.now() - t0);
    });
  });
}

async function throughServer(api: CjmClient, name: string): Promise<number> {
  const t0 = performance.now();
  const job = await api.call('job.create', { name, image: IMAGE, cmd: PRODUCER, cpus: 1, memoryMb: 64 });
  for (;;) {
    const { size } = await api.call('job.logs', { id: job.id, tailBytes: 0 });
    if (size >= BYTES) break;
    const j = await api.call('job.get', { id: job.id });
    if (j.status === 'error' || (j.status === 'exited' && j.reason !== 'completed')) throw new Error(`job ${name} ended ${j.status} ${j.reason}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const elapsed = performance.now() - t0;
  const { size, text } = await api.call('job.logs', { id: job.id, tailBytes: 68 });
  if (size !== BYTES || text !== ending(68)) throw new Error(`job ${name}: ${size} bytes, ends ${JSON.stringify(text?.slice(-20))}`);
  return elapsed;
}

export async function run(report: Report): Promise<void> {
  const server = await startTestServer({ env: { CJM_RATE_LIMIT: '0' } });
  const api = await createClient(server.url, server.adminToken);
  const tag = `capture-bench-${Date.now()}`;
  try {
    await plainDockerRun(tag); // warm both paths (image, page cache)
    await throughServer(api, `${tag}-warm`);
    const plain: number[] = [];
    const cjm: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      plain.push(await plainDockerRun(tag));
      cjm.push(await throughServer(api, `${tag}-${i}`));
    }
    console.log(`${BYTES / 1024 / 1024} MiB to stdout, ${ROUNDS} rounds alternating:`);
    console.log(`  plain docker run until the CLI has every byte: median ${ms(median(plain))} (${plain.map(ms).join(', ')})`);
    console.log(`  job.create until job.logs holds every byte:    median ${ms(median(cjm))} (${cjm.map(ms).join(', ')})`);
    report.figure('log capture through the server vs plain docker run (median ratio)', median(cjm) / median(plain), 'x', { max: 1.2 });

    // The figure: a 20 KiB tail against a ping on the same connection, interleaved.
    const { jobs } = await api.call('job.list', { limit: 1 });
    const id = jobs[0]!.id;
    const ping: number[] = [];
    const tail: number[] = [];
    for (let i = 0; i < 2000; i++) {
      let t = performance.now();
      await api.call('system.ping', {});
      ping.push(performance.now() - t);
      t = performance.now();
      await api.call('job.logs', { id });
      tail.push(performance.now() - t);
    }
    console.log(`  system.ping p50 ${pct(ping, 50).toFixed(3)} ms; job.logs 20 KiB p50 ${pct(tail, 50).toFixed(3)} ms, p99 ${pct(tail, 99).toFixed(3)} ms`);
    report.figure('job.logs 20 KiB p50 minus system.ping p50 (real server, same connection)', pct(tail, 50) - pct(ping, 50), 'ms', { max: 1 });
  } finally {
    api.close();
    await server.close();
  }
}
