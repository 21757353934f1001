// Reaches a job's ports: /jobs/<id>/ports/<port>/... proxied to the container's ip:port, HTTP and
// WebSocket, streamed both ways. Only the job's owner or an admin gets through; anyone else gets the
// 404 a job that does not exist gets, so the proxy tells nobody which jobs exist.
import { Agent, request, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '../core/ports.js';
import type { AuthService, JobService } from '../core/api.js';
import { createProxyAccess, type ProxyAccessOptions } from './proxy-access.js';
import { refuse } from '../rpc/ws-server.js';
import { bearerToken, forwardHeaders, isPortPath, parsePortPath, responseHeaders, wantsPage, type PortPath } from './proxy-request.js';

export interface PortProxyDeps {
  jobs: JobService;
  auth: AuthService;
  logger: Logger;
  /** The web session's token for a Cookie header, if it holds a live cjm session. */
  sessionToken(cookieHeader: string | undefined): string | undefined;
}

export interface PortProxyOptions extends ProxyAccessOptions {
  /** The cjm session cookie's name (stripped before forwarding). */
  sessionCookie: string;
  /** Give up connecting to the job after this long. Default 10 s. */
  connectTimeoutMs?: number;
}

export interface PortProxy {
  /** Whether a request URL is the proxy's to answer. */
  handles(url: string | undefined): boolean;
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Ends the WebSocket tunnels (the HTTP server's close does not see upgraded sockets). */
  close(): Promise<void>;
}

type Answer = { status: number; body: string; headers?: Record<string, string> };

/** Where a request may go: the job's address, or the answer the client gets instead. */
type Route = { target: { host: string; port: number }; path: PortPath } | { answer: Answer };

export function createPortProxy(deps: PortProxyDeps, options: PortProxyOptions): PortProxy {
  const { logger } = deps;
  const access = createProxyAccess(deps, options);
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  // Kept-alive connections to the jobs' servers: a request does not pay for a TCP handshake.
  const agent = new Agent({ keepAlive: true, maxFreeSockets: 16 });
  const notFound: Answer = { status: 404, body: 'Not found\n' };
  const tunnels = new Set<Duplex>();

  async function route(req: IncomingMessage): Promise<Route> {
    const path = parsePortPath(req.url ?? '/');
    if (!path) return { answer: notFound };
    const token = bearerToken(req.headers) ?? deps.sessionToken(req.headers.cookie);
    if (!token) {
      if (wantsPage(req.method, req.headers)) {
        return { answer: { status: 303, body: 'Sign in first.\n', headers: { location: `/login?next=${encodeURIComponent(req.url ?? '/')}` } } };
      }
      return { answer: { status: 401, body: 'Sign in first, or send Authorization: Bearer <token>.\n', headers: { 'www-authenticate': 'Bearer' } } };
    }
    const caller = await access.caller(token);
    if (!caller) return { answer: { status: 401, body: 'Unknown or revoked token.\n', headers: { 'www-authenticate': 'Bearer' } } };
    const job = await access.job(caller, path.id);
    if (!job) return { answer: notFound };
    if (!job.ports.includes(path.port)) return { answer: { status: 404, body: `Job ${job.id} does not expose port ${path.port} (its ports: ${job.ports.join(', ') || 'none'}).\n` } };
    if (job.status !== 'running') return { answer: { status: 503, body: `Job ${job.id} (${job.name}) is not running: it is ${job.status}${job.reason ? ` (${job.reason})` : ''}.\n` } };
    if (!job.ip) return { answer: { status: 502, body: `Job ${job.id} (${job.name}) has no network address.\n` } };
    return { target: { host: job.ip, port: path.port }, path };
  }

  function failed(e: unknown, req: IncomingMessage): Answer {
    logger.warn({ err: e, url: req.url }, 'port proxy: could not route a request');
    return { status: 503, body: 'The server cannot check this request right now.\n' };
  }

  function unreachable(target: { host: string; port: number }, e: unknown): Answer {
    const code = (e as { code?: string }).code ?? (e instanceof Error ? e.message : 'error');
    return { status: 502, body: `Nothing answers on port ${target.port} of the job (${target.host}:${target.port}: ${code}).\n` };
  }

  return {
    handles: (url) => url !== undefined && isPortPath(url),

    handleRequest(req, res) {
      route(req).then(
        (r) => {
          if ('answer' in r) return send(res, r.answer);
          if (res.destroyed) return; // the client left while the request was being checked
          const { target, path } = r;
          if (path.needsSlash) return send(res, { status: 308, body: '', headers: { location: path.prefix + path.upstreamPath.slice(1) } });
          const upstream = request({
            agent,
            host: target.host,
            port: target.port,
            method: req.method,
            path: path.upstreamPath,
            headers: forwardHeaders(req.headers, { prefix: path.prefix, sessionCookie: options.sessionCookie, remoteAddress: req.socket.remoteAddress, upgrade: false }),
            timeout: connectTimeoutMs,
          });
          // The timeout guards the connect only; a slow answer from a live server is the app's business.
          upstream.once('socket', (s) => s.once('connect', () => upstream.setTimeout(0)));
          upstream.on('timeout', () => upstream.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })));
          upstream.on('response', (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.statusMessage, responseHeaders(answer.headers, { prefix: path.prefix, upstreamOrigin: `http://${target.host}:${target.port}` }));
            answer.pipe(res);
            answer.on('error', () => res.destroy());
          });
          upstream.on('error', (e) => (res.headersSent ? res.destroy() : send(res, unreachable(target, e))));
          // A client that goes away mid-answer takes the upstream request with it.
          res.on('close', () => {
            if (!res.writableFinished) upstream.destroy();
          });
          req.pipe(upstream);
        },
        (e) => send(res, failed(e, req)),
      );
    },

    handleUpgrade(req, socket, head) {
      socket.on('error', () => {}); // a client that vanishes mid-tunnel is not our error
      tunnels.add(socket);
      socket.once('close', () => tunnels.delete(socket));
      route(req).then(
        (r) => {
          if ('answer' in r) return refuseUpgrade(socket, r.answer);
          if (socket.destroyed) return;
          const { target, path } = r;
          const upstream = connect({ host: target.host, port: target.port, timeout: connectTimeoutMs });
          upstream.once('connect', () => {
            upstream.setTimeout(0);
            const headers = forwardHeaders(req.headers, { prefix: path.prefix, sessionCookie: options.sessionCookie, remoteAddress: req.socket.remoteAddress, upgrade: true });
            // The upgrade request as the job's server must see it; its answer (101 or not) and then
            // the frames flow back untouched.
            upstream.write(`${req.method ?? 'GET'} ${path.upstreamPath} HTTP/1.1\r\n${headerLines(headers)}\r\n`);
            if (head.length) upstream.write(head);
            upstream.pipe(socket);
            socket.pipe(upstream);
          });
          upstream.on('timeout', () => upstream.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })));
          upstream.on('error', (e) => (upstream.bytesRead === 0 && !socket.destroyed && socket.writable ? refuseUpgrade(socket, unreachable(target, e)) : socket.destroy()));
          upstream.on('close', () => socket.destroy());
          socket.on('close', () => upstream.destroy());
        },
        (e) => refuseUpgrade(socket, failed(e, req)),
      );
    },

    async close() {
      access.close();
      for (const socket of tunnels) socket.destroy();
      agent.destroy();
    },
  };
}

function send(res: ServerResponse, a: Answer): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(a.status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(a.body), 'cache-control': 'no-store', ...a.headers });
  res.end(a.body);
}

function refuseUpgrade(socket: Duplex, a: Answer): void {
  refuse(socket, a.status, STATUS_CODES[a.status] ?? 'Error', a.body);
}

function headerLines(headers: Record<string, string | number | string[] | undefined>): string {
  let out = '';
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) out += `${name}: ${v}\r\n`;
  }
  return out;
}
