// Health check for provision.sh: call system.ping (public, no token) over the JSON-RPC WebSocket.
// Exit 0 when the server answers { ok: true }, 1 otherwise. Usage: node ping.mjs ws://HOST:PORT/rpc
import { setTimeout } from 'node:timers';
import { WebSocket } from 'ws';

const url = process.argv[2] ?? 'ws://127.0.0.1:5000/rpc';
const ws = new WebSocket(url, { handshakeTimeout: 5000 });
const done = (code, message) => {
  if (message) console.error(message);
  ws.terminate();
  process.exit(code);
};
setTimeout(() => done(1, `no answer from ${url} within 8 s`), 8000).unref();
ws.on('open', () => ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'system.ping', params: {} })));
ws.on('message', (data) => {
  let reply;
  try {
    reply = JSON.parse(data.toString());
  } catch {
    return done(1, `not JSON from ${url}`);
  }
  if (reply?.result?.ok === true) return done(0);
  done(1, `unexpected answer from ${url}: ${data.toString().slice(0, 200)}`);
});
ws.on('error', (e) => done(1, `${url}: ${e.message}`));
ws.on('unexpected-response', (_req, res) => done(1, `${url}: HTTP ${res.statusCode}`));
