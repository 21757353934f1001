// apache/cjm.conf in a real Apache (the standalone config provision uses without systemd), in front of
// a small HTTP + WebSocket echo backend: pages and the /rpc upgrade pass through, security headers are
// set, oversized bodies are refused. Free ports, so it never meets the provisioned Apache on 8080.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apache2 } from '../support/apache.js';
import { freePort, isAlive } from '../support/daemons.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('apache/cjm.conf', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cjm-apache-'));
  const conf = join(dir, 'httpd.conf');
  let backend: Server;
  let wss: WebSocketServer;
  let port = 0;
  let started = false;
  // Ends the /events response: until then the backend holds it open after the first event.
  let endEvents = () => {};

  beforeAll(async () => {
    backend = createServer((req, res) => {
      if (req.url === '/events') {
        // Server-sent events, as the web page's live list uses: one now, the next when the test says.
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write('data: first\n\n');
        endEvents = () => res.end('data: second\n\n');
        return;
      }
      let size = 0;
      req.on('data', (chunk: Buffer) => (size += chunk.length));
      req.on('end', () => {
        res.setHeader('content-type', 'text/plain');
        res.setHeader('x-powered-by', 'backend');
        res.end(`backend ${req.method} ${req.url} host=${req.headers.host} body=${size}`);
      });
    });
    wss = new WebSocketServer({ server: backend, path: '/rpc' });
    wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`echo:${m.toString()}`)));
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    const backendPort = (backend.address() as AddressInfo).port;

    port = await freePort();
    const generated = spawnSync(
      join(repo, 'provision/lib/apache-standalone-conf.sh'),
      ['127.0.0.1', String(port), `127.0.0.1:${backendPort}`, join(repo, 'apache/cjm.conf'), dir, dir],
      { encoding: 'utf8' },
    );
    expect(generated.status, generated.stderr).toBe(0);
    writeFileSync(conf, generated.stdout);
  });

  afterAll(async () => {
    if (started) {
      const pid = Number(readFileSync(join(dir, 'httpd.pid'), 'utf8').trim());
      apache2(['-f', conf, '-k', 'stop']);
      await waitFor(async () => !(await isAlive(pid)), 15_000, 'Apache to stop');
    }
    wss?.close();
    await new Promise((resolve) => backend?.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes the config test', () => {
    const { status, output } = apache2(['-t', '-f', conf]);
    expect(output).toContain('Syntax OK');
    expect(status).toBe(0);
  });

  it('starts standalone', async () => {
    const { status, output } = apache2(['-f', conf, '-k', 'start']);
    expect(status, output).toBe(0);
    started = true;
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/`)).ok, 15_000, 'Apache to answer');
  });

  it('proxies pages with the Host kept and security headers set', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/jobs?x=1`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(`backend GET /jobs?x=1 host=127.0.0.1:${port} body=0`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${port}`);
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('passes small form posts and refuses bodies over 1 MiB', async () => {
    const small = await fetch(`http://127.0.0.1:${port}/jobs`, { method: 'POST', body: 'name=a' });
    expect(await small.text()).toContain('body=6');
    const big = await fetch(`http://127.0.0.1:${port}/jobs`, { method: 'POST', body: 'x'.repeat(1024 * 1024 + 1) });
    expect(big.status).toBe(413);
  });

  it('streams server-sent events without buffering them', async () => {
    // The first event must arrive while the backend still holds the response open: a proxy that
    // buffers would deliver nothing until the end.
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    const firstEvent = (async () => {
      const res = await fetch(`http://127.0.0.1:${port}/events`);
      reader = res.body!.getReader();
      return new TextDecoder().decode((await reader.read()).value);
    })();
    try {
      const first = await Promise.race([firstEvent, sleep(10_000).then(() => 'nothing within 10 s')]);
      expect(first).toContain('data: first');
    } finally {
      endEvents();
      await reader?.cancel();
    }
  });

  it('tunnels the WebSocket upgrade on /rpc', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/rpc`);
    const replies: string[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.on('open', () => ws.send('one'));
      ws.on('message', (m) => {
        replies.push(m.toString());
        if (replies.length === 1) ws.send('two');
        else resolve();
      });
      ws.on('error', reject);
      ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    ws.close();
    expect(replies).toEqual(['echo:one', 'echo:two']);
  });
});
