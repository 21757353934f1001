import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { createClient } from '../../../server/protocol/client.js';
import { createConnection, LoginRefusedError, type ConnectionState } from '../../../tui/connection.js';

// The reconnecting connection over a real socket: a tiny JSON-RPC peer on 127.0.0.1 that can be shut
// down and brought back on the same port.

interface Peer {
  port: number;
  sockets: Set<WebSocket>;
  close(): Promise<void>;
}

async function startPeer(port = 0, validToken = 'good'): Promise<Peer> {
  const http: Server = createServer();
  const wss = new WebSocketServer({ server: http, path: '/rpc' });
  const sockets = new Set<WebSocket>();
  wss.on('connection', (ws) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.on('message', (raw) => {
      const req = JSON.parse(raw.toString()) as { id: number; method: string; params: { token?: string } };
      const reply = (result: unknown) => ws.send(JSON.stringify({ jsonrpc: '2.0', id: req.id, result }));
      if (req.method === 'auth.login') {
        if (req.params.token === validToken) reply({ user: 'u', admin: false });
        else ws.send(JSON.stringify({ jsonrpc: '2.0', id: req.id, error: { code: 4001, message: 'Not authenticated' } }));
      } else if (req.method === 'events.subscribe') {
        reply({ subscription: 's' });
        ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'job.logEnd', params: { subscription: 'x', id: 1, offset: 0, reason: 'finished' } }));
      }
    });
  });
  await new Promise<void>((r) => http.listen(port, '127.0.0.1', () => r()));
  return {
    port: (http.address() as AddressInfo).port,
    sockets,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.terminate();
        wss.close();
        http.close(() => r());
      }),
  };
}

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

const until = async (what: string, pred: () => boolean, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('reconnecting connection', () => {
  it('says disconnected with a retry time, reconnects, logs in again and reruns onReady', async () => {
    let peer = await startPeer();
    const port = peer.port;
    cleanup.push(() => peer.close());
    const conn = createConnection({ connect: createClient }, { url: `ws://127.0.0.1:${port}/rpc`, token: 'good', backoff: { initialMs: 100, factor: 2, maxMs: 400 } });
    cleanup.push(() => conn.close());
    const states: ConnectionState['kind'][] = [];
    conn.onState((s) => states.push(s.kind));
    let ready = 0;
    let ends = 0;
    conn.onReady(async () => {
      await conn.call('events.subscribe', {});
      ready++;
    });
    conn.on('job.logEnd', () => ends++);

    expect(await conn.start()).toEqual({ user: 'u', admin: false });
    expect(ready).toBe(1);
    await until('the first notification', () => ends === 1);

    await peer.close();
    await until('disconnected', () => conn.state.kind === 'disconnected');
    const s = conn.state;
    expect(s.kind === 'disconnected' && s.retryAt > Date.now() - 1000).toBe(true);
    await expect(conn.call('system.ping', {})).rejects.toThrow(/not connected/);

    // Let a retry fail against nothing, then come back on the same port.
    await until('a failed retry', () => states.filter((k) => k === 'disconnected').length >= 2);
    peer = await startPeer(port);
    await until('reconnected', () => conn.state.kind === 'connected' && ready === 2);
    // Handlers registered once still fire on the new socket, exactly once each.
    await until('the second notification', () => ends === 2);
    await new Promise((r) => setTimeout(r, 50));
    expect(ends).toBe(2);
    expect(states.filter((k) => k === 'disconnected').length).toBeGreaterThanOrEqual(2);
    expect(states[states.length - 1]).toBe('connected');
  });

  it('a refused token fails start with LoginRefusedError', async () => {
    const peer = await startPeer();
    cleanup.push(() => peer.close());
    const conn = createConnection({ connect: createClient }, { url: `ws://127.0.0.1:${peer.port}/rpc`, token: 'bad' });
    cleanup.push(() => conn.close());
    await expect(conn.start()).rejects.toBeInstanceOf(LoginRefusedError);
  });

  it('an unreachable server fails start (the program exits with one line)', async () => {
    const peer = await startPeer();
    const port = peer.port;
    await peer.close();
    const conn = createConnection({ connect: createClient }, { url: `ws://127.0.0.1:${port}/rpc`, token: 'good' });
    cleanup.push(() => conn.close());
    await expect(conn.start()).rejects.toThrow(/ECONNREFUSED/);
  });
});
