// The WebSocket transport (the only file here that knows `ws`): the /rpc upgrade with its Bearer
// check, frames in and replies out, bounded send buffers, keepalive.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { Logger } from '../core/ports.js';
import type { AuthService, Caller } from '../core/api.js';
import type { Dispatcher } from './dispatch.js';
import type { Session, SessionTransport } from './session.js';

export interface WsServerDeps {
  dispatcher: Dispatcher;
  auth: AuthService;
  logger: Logger;
  newSession(transport: SessionTransport): Session;
}

export interface WsServerOptions {
  path?: string;
  /** ws refuses (closing the connection with 1009) frames above this; frames between our own
   * maxFrameBytes and this get -32600 and the connection lives on. */
  maxPayloadBytes: number;
  /** Above this much unsent data a follow is told to stop (its sink returns false). */
  softBufferBytes?: number;
  /** Above this much unsent data the client is not reading at all: the connection is dropped. */
  hardBufferBytes?: number;
  /** Ping every this often; a socket that did not answer the previous ping is terminated. */
  keepaliveMs?: number;
}

export interface WsServer {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): Promise<void>;
}

export function createWsServer({ dispatcher, auth, logger, newSession }: WsServerDeps, options: WsServerOptions): WsServer {
  const path = options.path ?? '/rpc';
  const soft = options.softBufferBytes ?? 4 * 1024 * 1024;
  const hard = options.hardBufferBytes ?? 32 * 1024 * 1024;
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes, perMessageDeflate: false });
  const alive = new Map<WebSocket, boolean>();
  let closing = false;

  const keepalive = setInterval(() => {
    for (const [ws, answered] of alive) {
      if (!answered) {
        logger.info({}, 'rpc connection did not answer ping; dropping it');
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, options.keepaliveMs ?? 30_000);
  keepalive.unref();

  function onConnection(ws: WebSocket, identity: Caller | null, token: string | null): void {
    const transport: SessionTransport = {
      notify(name, params) {
        if (ws.readyState !== WebSocket.OPEN) return;
        if (ws.bufferedAmount > hard) {
          logger.warn({ session: session.id, buffered: ws.bufferedAmount }, 'rpc client is not reading; dropping the connection');
          ws.terminate();
          return;
        }
        ws.send(JSON.stringify({ jsonrpc: '2.0', method: name, params }));
      },
      writable: () => ws.bufferedAmount <= soft,
      close: (code, reason) => ws.close(code, reason),
    };
    const session = newSession(transport);
    session.identity = identity;
    session.token = token;
    alive.set(ws, true);

    ws.on('message', (data: RawData) => {
      const frame = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      dispatcher.frame(session, frame).then(
        ({ reply, afterReply }) => {
          if (reply && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(reply));
          for (const hook of afterReply) hook();
        },
        (e: unknown) => logger.error({ err: e, session: session.id }, 'rpc frame handling failed'),
      );
    });
    ws.on('pong', () => alive.set(ws, true));
    ws.on('error', (e) => logger.debug({ err: e, session: session.id }, 'rpc socket error'));
    ws.on('close', () => {
      alive.delete(ws);
      session.dispose();
    });
  }

  return {
    handleUpgrade(req, socket, head) {
      socket.on('error', () => {}); // a peer that vanishes mid-handshake is not our error
      const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (pathname !== path) return refuse(socket, 404, 'Not Found', `no WebSocket endpoint at ${pathname}; use ${path}`);
      if (closing) return refuse(socket, 503, 'Service Unavailable', 'server is shutting down');
      const header = req.headers.authorization;
      let token: string | null = null;
      if (header !== undefined) {
        const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
        if (!m?.[1]) return refuse(socket, 401, 'Unauthorized', 'Authorization must be "Bearer <token>"');
        token = m[1];
      }
      (async () => {
        let identity: Caller | null = null;
        if (token !== null) {
          try {
            identity = await auth.authenticate(token);
          } catch (e) {
            logger.warn({ err: e }, 'could not check a token on upgrade');
            return refuse(socket, 503, 'Service Unavailable', 'cannot check the token right now (database unreachable?)');
          }
          // A token that was presented but is wrong is refused outright; no token at all gets a
          // connection that must call auth.login.
          if (!identity) return refuse(socket, 401, 'Unauthorized', 'unknown or revoked token');
        }
        if (socket.destroyed || closing) return socket.destroy();
        wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, identity, token));
      })().catch((e: unknown) => {
        logger.error({ err: e }, 'upgrade failed');
        socket.destroy();
      });
    },

    async close() {
      closing = true;
      clearInterval(keepalive);
      const sockets = [...wss.clients];
      for (const ws of sockets) ws.close(1001, 'server shutting down');
      await Promise.race([
        Promise.all(sockets.map((ws) => (ws.readyState === WebSocket.CLOSED ? Promise.resolve() : new Promise((r) => ws.once('close', r))))),
        new Promise((r) => setTimeout(r, 1000).unref()),
      ]);
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** Answers an upgrade request with a plain HTTP error and closes the socket. */
export function refuse(socket: Duplex, status: number, text: string, body: string): void {
  if (socket.destroyed) return;
  const extra = status === 401 ? 'WWW-Authenticate: Bearer\r\n' : '';
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n${extra}` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
