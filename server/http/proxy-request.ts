// The pure half of the port proxy: which job and port a path names, who the request says it is, and
// the headers that go to the job's server and come back from it.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { endpointPath } from '../protocol/index.js';

export interface PortPath {
  id: number;
  port: number;
  /** The endpoint's prefix, `/jobs/<id>/ports/<port>/`. */
  prefix: string;
  /** What the job's server is asked for: the path after the prefix (from its `/`) and the query. */
  upstreamPath: string;
  /** `/jobs/<id>/ports/<port>` without the slash: answered with a redirect that adds it, so the
   * app's relative links resolve under the prefix. */
  needsSlash: boolean;
}

const pattern = /^\/jobs\/([1-9][0-9]{0,15})\/ports\/([1-9][0-9]{0,4})(\/.*)?$/;

/** The job port a request URL names, or null when it is not an endpoint path. */
export function parsePortPath(url: string): PortPath | null {
  const q = url.indexOf('?');
  const pathname = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? '' : url.slice(q);
  const m = pattern.exec(pathname);
  if (!m) return null;
  const id = Number(m[1]);
  const port = Number(m[2]);
  if (!Number.isSafeInteger(id) || port > 65535) return null;
  const rest = m[3];
  return { id, port, prefix: endpointPath(id, port), upstreamPath: `${rest ?? '/'}${query}`, needsSlash: rest === undefined };
}

/** True when a URL is under /jobs/<id>/ports/ at all: such requests are the proxy's to answer (404
 * for a malformed one), never the web page's. */
export function isPortPath(url: string): boolean {
  return /^\/jobs\/[^/?]+\/ports(?:[/?]|$)/.test(url);
}

/** The token a request carries: `Authorization: Bearer <token>` first, else the web session's. */
export function bearerToken(headers: IncomingHttpHeaders): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  return m?.[1] ?? null;
}

/** A browser asking for a page (gets the sign-in redirect instead of a bare 401). */
export function wantsPage(method: string | undefined, headers: IncomingHttpHeaders): boolean {
  return (method === 'GET' || method === 'HEAD') && (headers.accept ?? '').includes('text/html');
}

// Hop-by-hop headers (RFC 9110 7.6.1) belong to one connection and are never forwarded.
const hopByHop = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

export interface ForwardContext {
  prefix: string;
  /** The cjm session cookie's name: removed, other cookies (the app's own) pass. */
  sessionCookie: string;
  /** The client's address as this server saw it. */
  remoteAddress: string | undefined;
  /** A WebSocket upgrade keeps its Connection/Upgrade headers. */
  upgrade: boolean;
}

/** Headers for the job's server: without cjm's credentials or hop-by-hop headers, with
 * X-Forwarded-* saying where the request came from and under which prefix the app is mounted. */
export function forwardHeaders(headers: IncomingHttpHeaders, ctx: ForwardContext): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const dropped = new Set([...hopByHop, 'authorization', 'cookie', ...connectionTokens(headers.connection)]);
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !dropped.has(name)) out[name] = value;
  const cookie = withoutCookie(headers.cookie, ctx.sessionCookie);
  if (cookie) out.cookie = cookie;
  if (ctx.upgrade) {
    out.connection = 'Upgrade';
    if (headers.upgrade) out.upgrade = headers.upgrade;
  }
  const forwardedFor = headers['x-forwarded-for'];
  const chain = [forwardedFor, ctx.remoteAddress].flat().filter((v): v is string => typeof v === 'string' && v !== '');
  if (chain.length) out['x-forwarded-for'] = chain.join(', ');
  // Apache in front sets Proto (and Host); a direct client is plain http.
  out['x-forwarded-proto'] = headers['x-forwarded-proto'] ?? 'http';
  if (headers.host && !headers['x-forwarded-host']) out['x-forwarded-host'] = headers.host;
  out['x-forwarded-prefix'] = ctx.prefix.replace(/\/$/, '');
  return out;
}

/** Headers for the client: hop-by-hop ones dropped, a Location that points into the app (`/x`, or
 * the job's own http://ip:port/x) moved under the prefix, and no cookie of cjm's own set by the job
 * (it would sign the visitor in or out of cjm: cookies do not care about the path prefix). */
export function responseHeaders(headers: IncomingHttpHeaders, ctx: { prefix: string; upstreamOrigin: string }): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const dropped = new Set([...hopByHop, ...connectionTokens(headers.connection)]);
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !dropped.has(name)) out[name] = value;
  if (typeof headers.location === 'string') out.location = rewriteLocation(headers.location, ctx.prefix, ctx.upstreamOrigin);
  if (headers['set-cookie']) {
    const kept = headers['set-cookie'].filter((c) => !isCjmCookie(c.split('=', 1)[0]?.trim() ?? ''));
    if (kept.length) out['set-cookie'] = kept;
    else delete out['set-cookie'];
  }
  return out;
}

/** cjm's cookies: the session (`cjm_session`, `__Host-cjm_session`) and the sign-in form's. */
function isCjmCookie(name: string): boolean {
  return /^(?:__Host-|__Secure-)?cjm_/i.test(name);
}

export function rewriteLocation(location: string, prefix: string, upstreamOrigin: string): string {
  let path = location;
  if (location.toLowerCase().startsWith(upstreamOrigin.toLowerCase())) path = location.slice(upstreamOrigin.length) || '/';
  // Only a path on the app's own site: `//host/x` is another site, `x` is already relative.
  if (!path.startsWith('/') || path.startsWith('//')) return location;
  if (path.startsWith(prefix)) return path;
  return prefix + path.slice(1);
}

function withoutCookie(header: string | undefined, name: string): string {
  if (!header) return '';
  return header
    .split(';')
    .map((c) => c.trim())
    .filter((c) => c !== '' && c.split('=', 1)[0] !== name)
    .join('; ');
}

function connectionTokens(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '' && t !== 'upgrade');
}
