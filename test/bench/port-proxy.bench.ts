// The port proxy (issue 13): a busybox httpd in a real job, reached through /jobs/<id>/ports/8000/
// on a cjm server running as its own process, against the container's ip:port directly, in one run:
// - throughput of a 100 MB download (median of 3 each);
// - p50/p99 of small requests (one sequential client; the two paths interleaved in blocks).
// Targets: >= 0.8x the direct throughput; p50 within 1 ms of direct.
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '../../server/protocol/client.js';
import { generateToken } from '../../server/core/auth.js';
import { spawnCjm } from '../fault/harness.js';
import { createTestDatabase } from '../support/database.js';
import { waitFor, waitForJob } from '../support/wait.js';

const MB = 1024 * 1024;
const SMALL_ROUNDS = 10;
const SMALL_PER_BLOCK = 100;

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}
const median = (v: number[]) => pct(v, 50);

/** GETs url, counting the body's bytes without keeping them; resolves with status, bytes and ms. */
function fetchCount(agent: Agent, url: string, token?: string): Promise<{ status: number; bytes: number; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let bytes = 0;
      res.on('data', (d: Buffer) => (bytes += d.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, ms: performance.now() - t0 }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export async function run(): Promise<void> {
  const db = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'cjm-bench-proxy-'));
  const adminToken = generateToken();
  const server = await spawnCjm({ databaseUrl: db.url, adminToken, dataDir, extra: { CJM_RATE_LIMIT: '0', CJM_LOG_LEVEL: 'warn' } });
  const api = await createClient(server.rpcUrl, adminToken);
  const agent = new Agent({ keepAlive: true });
  let jobId: number | null = null;
  try {
    const job = await api.call('job.create', {
      name: `bench-proxy-${Date.now().toString(36)}`,
      image: 'busybox:latest',
      cmd: 'mkdir -p /www && dd if=/dev/zero of=/www/big bs=1M count=100 2>/dev/null && echo small > /www/small && httpd -f -p 8000 -h /www',
      cpus: 1,
      memoryMb: 256,
      ports: [8000],
    });
    jobId = job.id;
    const running = await waitForJob(api, job.id, (j) => j.status !== 'pending' && (j.status !== 'running' || j.ip !== null), 60_000);
    if (running.status !== 'running' || !running.ip) throw new Error(`bench job did not run: ${JSON.stringify(running)}`);
    const direct = `http://${running.ip}:8000`;
    const proxied = `http://127.0.0.1:${server.port}${running.endpoints[0]!.path.replace(/\/$/, '')}`;
    await waitFor('the job\'s httpd', async () => (await fetchCount(agent, `${direct}/small`).catch(() => ({ status: 0 }))).status === 200, 30_000);
    const check = await fetchCount(agent, `${proxied}/small`, adminToken);
    if (check.status !== 200) throw new Error(`proxy answered ${check.status}`);

    // Warm both paths (page cache, JIT, pooled connections) before measuring.
    for (let i = 0; i < 50; i++) {
      await fetchCount(agent, `${direct}/small`);
      await fetchCount(agent, `${proxied}/small`, adminToken);
    }
    await fetchCount(agent, `${direct}/big`);
    await fetchCount(agent, `${proxied}/big`, adminToken);

    const rate = { direct: [] as number[], proxied: [] as number[] };
    for (let i = 0; i < 3; i++) {
      for (const [which, url, token] of [['direct', direct, undefined], ['proxied', proxied, adminToken]] as const) {
        const r = await fetchCount(agent, `${url}/big`, token);
        if (r.bytes !== 100 * MB) throw new Error(`${which} download got ${r.bytes} bytes`);
        rate[which].push(r.bytes / MB / (r.ms / 1000));
      }
    }

    const small = { direct: [] as number[], proxied: [] as number[] };
    for (let round = 0; round < SMALL_ROUNDS; round++) {
      for (const [which, url, token] of [['direct', direct, undefined], ['proxied', proxied, adminToken]] as const) {
        for (let i = 0; i < SMALL_PER_BLOCK; i++) small[which].push((await fetchCount(agent, `${url}/small`, token)).ms);
      }
    }

    const d = median(rate.direct);
    const p = median(rate.proxied);
    console.log(`100 MB download: direct ${d.toFixed(0)} MB/s, through the proxy ${p.toFixed(0)} MB/s = ${(p / d).toFixed(2)}x (target >= 0.8x)`);
    const [dp50, dp99, pp50, pp99] = [pct(small.direct, 50), pct(small.direct, 99), pct(small.proxied, 50), pct(small.proxied, 99)];
    console.log(`small requests (${small.direct.length} each): direct p50 ${dp50.toFixed(2)} ms p99 ${dp99.toFixed(2)} ms; proxy p50 ${pp50.toFixed(2)} ms p99 ${pp99.toFixed(2)} ms; p50 +${(pp50 - dp50).toFixed(2)} ms (target <= 1 ms)`);
  } finally {
    agent.destroy();
    if (jobId !== null) await api.call('job.remove', { id: jobId }).catch(() => undefined);
    api.close();
    await server.kill();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
