// Reaching a job's ports through the server (and through Apache in front of it, as on the VM's port
// 8080): a busybox httpd and a raw upgrade tunnel in a real container, reached by their owner with a
// token or the web session cookie; anyone else gets the answer a missing job gets.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type CjmClient } from '../../server/protocol/client.js';
import type { Job } from '../../server/protocol/index.js';
import { createToken } from '../fault/harness.js';
import { prepareApache, type TestApache } from '../support/apache.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { uniqueName, waitFor, waitForJob } from '../support/wait.js';

// Port 8001 answers any upgrade request with 101 and then echoes every byte: busybox has no
// WebSocket server, and a tunnel that carries bytes both ways after a 101 is what the proxy owes one.
const upgradeEcho = [
  '#!/bin/sh',
  'while read -r line; do line=$(printf %s "$line" | tr -d "\\r"); [ -z "$line" ] && break; done',
  'printf "HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n\\r\\n"',
  'exec cat',
].join('\n');
const cmd = [
  'mkdir -p /www/sub',
  'echo hello-from-the-job > /www/index.html',
  'echo in-sub > /www/sub/index.html',
  `printf '%s\\n' '${upgradeEcho.replace(/'/g, `'"'"'`)}' > /ws.sh`,
  'chmod +x /ws.sh',
  'httpd -p 8000 -h /www',
  'exec nc -ll -p 8001 -e /ws.sh',
].join(' && ');

let server: TestServer;
let apache: TestApache;
let alice: CjmClient;
let aliceToken: string;
let bobToken: string;
let job: Job;
const updates: Job[] = [];
let base: string;
let viaApache: string;

beforeAll(async () => {
  server = await startTestServer();
  base = server.httpUrl.replace(/\/$/, '');
  [aliceToken, bobToken] = (await Promise.all([createToken(server.databaseUrl, 'alice'), createToken(server.databaseUrl, 'bob')])).map((t) => t.token) as [string, string];
  alice = await createClient(server.url, aliceToken);
  apache = await prepareApache(`127.0.0.1:${server.port}`);
  await apache.start();
  viaApache = `http://127.0.0.1:${apache.port}`;
  await alice.call('events.subscribe', {});
  alice.on('job.updated', ({ job: j }) => updates.push(j));
  const created = await alice.call('job.create', { name: uniqueName('web'), image: 'busybox:latest', cmd, cpus: 0.5, memoryMb: 32, ports: [8000, 8001] });
  job = await waitForJob(alice, created.id, (j) => j.status !== 'pending', 60_000);
  expect(job.status, JSON.stringify(job)).toBe('running');
  // The address is read from Docker just after the job is stored as running.
  job = await waitForJob(alice, created.id, (j) => j.ip !== null || j.status !== 'running', 5_000);
  // httpd starts a moment after the container does.
  await waitFor('the job\'s httpd', async () => (await get(`${base}${job.endpoints[0]!.path}`, aliceToken)).status === 200, 15_000);
}, 120_000);

afterAll(async () => {
  alice?.close();
  await apache?.stop();
  await server?.close();
});

function get(url: string, token?: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { redirect: 'manual', headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
}

/** Signs in through the web page, as a browser would; returns the session cookie. */
async function signIn(origin: string, token: string): Promise<string> {
  const form = await fetch(`${origin}/login`, { redirect: 'manual' });
  const loginCookie = form.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  const res = await fetch(`${origin}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: loginCookie, origin, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, next: '/', csrf }),
  });
  const session = res.headers.getSetCookie().find((c) => c.startsWith('cjm_session='));
  if (!session) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  return session.split(';')[0]!;
}

/** Sends a WebSocket upgrade through `port` and then `payload` after the 101; returns the head of
 * the answer and what came back through the tunnel. */
function tunnel(port: number, path: string, token: string, payload: string): Promise<{ head: string; echoed: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let buffer = '';
    let head: string | null = null;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no echo through the tunnel; got ${JSON.stringify(buffer)}`));
    }, 10_000);
    socket.on('connect', () =>
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
          'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      ),
    );
    socket.on('data', (d: Buffer) => {
      buffer += d.toString('latin1');
      if (head === null) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end === -1) return;
        head = buffer.slice(0, end);
        buffer = buffer.slice(end + 4);
        if (!head.startsWith('HTTP/1.1 101')) {
          clearTimeout(timer);
          socket.destroy();
          return resolve({ head, echoed: '' });
        }
        socket.write(payload);
      }
      if (buffer.length >= payload.length) {
        clearTimeout(timer);
        socket.destroy();
        resolve({ head, echoed: buffer });
      }
    });
    socket.on('error', reject);
  });
}

describe('a job with ports', () => {
  it('shows its address and endpoints while it runs, also in job.updated', () => {
    expect(updates.filter((j) => j.id === job.id && j.status === 'running').map((j) => j.ip)).toContain(job.ip);
    expect(job.ports).toEqual([8000, 8001]);
    expect(job.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(job.endpoints).toEqual([
      { port: 8000, path: `/jobs/${job.id}/ports/8000/` },
      { port: 8001, path: `/jobs/${job.id}/ports/8001/` },
    ]);
  });

  for (const [where, origin] of [['the server', () => base], ['Apache', () => viaApache]] as const) {
    describe(`through ${where}`, () => {
      it('serves the file to its owner with a token, and to an admin', async () => {
        const res = await get(`${origin()}/jobs/${job.id}/ports/8000/`, aliceToken);
        expect(res.status).toBe(200);
        expect(await res.text()).toBe('hello-from-the-job\n');
        const admin = await get(`${origin()}/jobs/${job.id}/ports/8000/index.html`, server.adminToken);
        expect(await admin.text()).toBe('hello-from-the-job\n');
      });

      it('serves it to the owner\'s signed-in browser session', async () => {
        const cookie = await signIn(origin(), aliceToken);
        const res = await get(`${origin()}/jobs/${job.id}/ports/8000/`, undefined, { cookie, accept: 'text/html' });
        expect(res.status).toBe(200);
        expect(await res.text()).toBe('hello-from-the-job\n');
      });

      it('answers another user exactly as for a job that does not exist', async () => {
        const other = await get(`${origin()}/jobs/${job.id}/ports/8000/`, bobToken);
        const missing = await get(`${origin()}/jobs/999999/ports/8000/`, bobToken);
        expect(other.status).toBe(404);
        expect(missing.status).toBe(404);
        expect(await other.text()).toBe(await missing.text());
      });

      it('asks for credentials: 401 for a client, the sign-in page for a browser', async () => {
        const api = await get(`${origin()}/jobs/${job.id}/ports/8000/`);
        expect(api.status).toBe(401);
        expect(await api.text()).not.toContain('hello-from-the-job');
        const page = await get(`${origin()}/jobs/${job.id}/ports/8000/`, undefined, { accept: 'text/html' });
        expect(page.status).toBe(303);
        expect(page.headers.get('location')).toBe(`/login?next=${encodeURIComponent(`/jobs/${job.id}/ports/8000/`)}`);
        expect((await get(`${origin()}/jobs/${job.id}/ports/8000/`, 'cjm_not-a-token')).status).toBe(401);
      });

      it('adds the slash, and keeps the app\'s own redirects under the endpoint', async () => {
        const bare = await get(`${origin()}/jobs/${job.id}/ports/8000`, aliceToken);
        expect(bare.status).toBe(308);
        expect(bare.headers.get('location')).toBe(`/jobs/${job.id}/ports/8000/`);
        // httpd redirects a directory without its slash to /sub/: the client must land under the prefix.
        const sub = await get(`${origin()}/jobs/${job.id}/ports/8000/sub`, aliceToken);
        expect(sub.status).toBeGreaterThanOrEqual(300);
        expect(sub.status).toBeLessThan(400);
        expect(new URL(sub.headers.get('location')!, origin()).pathname).toBe(`/jobs/${job.id}/ports/8000/sub/`);
      });

      it('carries a WebSocket upgrade: 101, then bytes both ways', async () => {
        const port = Number(new URL(origin()).port);
        const payload = `ping-${'x'.repeat(100_000)}-end`;
        const { head, echoed } = await tunnel(port, `/jobs/${job.id}/ports/8001/`, aliceToken, payload);
        expect(head).toMatch(/^HTTP\/1\.1 101/);
        expect(echoed).toBe(payload);
        const refused = await tunnel(port, `/jobs/${job.id}/ports/8001/`, bobToken, 'x');
        expect(refused.head).toMatch(/^HTTP\/1\.1 404/);
      });
    });
  }

  it('refuses a port the job did not declare', async () => {
    const res = await get(`${base}/jobs/${job.id}/ports/9000/`, aliceToken);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('does not expose port 9000');
  });

  it('once stopped: no address, and its endpoints say it is not running', async () => {
    await alice.call('job.stop', { id: job.id, timeoutSeconds: 1 });
    const stopped = await waitForJob(alice, job.id, (j) => j.status === 'exited', 30_000);
    expect(stopped.ip).toBeNull();
    expect(stopped.endpoints).toHaveLength(2);
    const res = await get(`${base}/jobs/${job.id}/ports/8000/`, aliceToken);
    expect(res.status).toBe(503);
    expect(await res.text()).toMatch(new RegExp(`Job ${job.id} \\(.+\\) is not running: it is exited`));
  });
});
