import { describe, expect, it } from 'vitest';
import { bearerToken, forwardHeaders, isPortPath, parsePortPath, responseHeaders, rewriteLocation, wantsPage } from '../../../server/http/proxy-request.js';

describe('parsePortPath', () => {
  it('names the job, the port and what the job\'s server is asked for', () => {
    expect(parsePortPath('/jobs/12/ports/8000/')).toEqual({ id: 12, port: 8000, prefix: '/jobs/12/ports/8000/', upstreamPath: '/', needsSlash: false });
    expect(parsePortPath('/jobs/12/ports/8000/a/b.html?x=1&y=%2F')).toMatchObject({ upstreamPath: '/a/b.html?x=1&y=%2F', needsSlash: false });
    expect(parsePortPath('/jobs/12/ports/8000?x=1')).toMatchObject({ upstreamPath: '/?x=1', needsSlash: true });
  });

  it('is null for anything that is not a job id and a TCP port', () => {
    for (const url of ['/jobs/0/ports/80/', '/jobs/01/ports/80/', '/jobs/x/ports/80/', '/jobs/1/ports/0/', '/jobs/1/ports/65536/', '/jobs/1/ports/99999/', '/jobs/1/ports/', '/jobs/1/ports/-1/', '/jobs/99999999999999999/ports/80/', '/jobs/1/log', '/']) {
      expect(parsePortPath(url), url).toBeNull();
    }
  });

  it('claims every /jobs/<x>/ports path, so a malformed one is a proxy 404 and never a web page', () => {
    expect(isPortPath('/jobs/1/ports/80/')).toBe(true);
    expect(isPortPath('/jobs/abc/ports/zz')).toBe(true);
    expect(isPortPath('/jobs/1/ports')).toBe(true);
    expect(isPortPath('/jobs/1/log')).toBe(false);
    expect(isPortPath('/jobs/1/portsx')).toBe(false);
    expect(isPortPath('/')).toBe(false);
  });
});

describe('credentials', () => {
  it('reads a Bearer token and tells a browser page request from an API call', () => {
    expect(bearerToken({ authorization: 'Bearer cjm_abc' })).toBe('cjm_abc');
    expect(bearerToken({ authorization: 'Basic xyz' })).toBeNull();
    expect(bearerToken({})).toBeNull();
    expect(wantsPage('GET', { accept: 'text/html,application/xhtml+xml' })).toBe(true);
    expect(wantsPage('GET', { accept: '*/*' })).toBe(false);
    expect(wantsPage('POST', { accept: 'text/html' })).toBe(false);
  });
});

describe('forwardHeaders', () => {
  const ctx = { prefix: '/jobs/3/ports/8000/', sessionCookie: 'cjm_session', remoteAddress: '10.0.0.9', upgrade: false };

  it('never passes cjm\'s credentials to the job, but keeps the app\'s own cookies', () => {
    const out = forwardHeaders({ authorization: 'Bearer cjm_secret', cookie: 'cjm_session=s3cret; theme=dark; app=1', host: 'h:8080' }, ctx);
    expect(out.authorization).toBeUndefined();
    expect(out.cookie).toBe('theme=dark; app=1');
    expect(JSON.stringify(out)).not.toContain('s3cret');
    expect(forwardHeaders({ cookie: 'cjm_session=x' }, ctx).cookie).toBeUndefined();
  });

  it('says where the request came from and where the app is mounted', () => {
    const out = forwardHeaders({ host: 'vm:8080', 'x-forwarded-for': '192.168.1.5', 'x-forwarded-proto': 'https' }, ctx);
    expect(out).toMatchObject({ 'x-forwarded-prefix': '/jobs/3/ports/8000', 'x-forwarded-for': '192.168.1.5, 10.0.0.9', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'vm:8080', host: 'vm:8080' });
    expect(forwardHeaders({}, ctx)).toMatchObject({ 'x-forwarded-for': '10.0.0.9', 'x-forwarded-proto': 'http' });
  });

  it('drops hop-by-hop headers, keeping Upgrade only for a WebSocket', () => {
    const headers = { connection: 'keep-alive, x-hop', 'x-hop': '1', 'keep-alive': 'timeout=5', te: 'trailers', upgrade: 'websocket', 'sec-websocket-key': 'k' };
    const plain = forwardHeaders(headers, ctx);
    for (const h of ['connection', 'x-hop', 'keep-alive', 'te', 'upgrade']) expect(plain[h], h).toBeUndefined();
    const ws = forwardHeaders({ ...headers, connection: 'Upgrade' }, { ...ctx, upgrade: true });
    expect(ws).toMatchObject({ connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-key': 'k' });
  });
});

describe('Location rewriting', () => {
  const prefix = '/jobs/3/ports/8000/';
  const origin = 'http://172.17.0.4:8000';
  it('moves links to the app\'s root under the prefix', () => {
    expect(rewriteLocation('/', prefix, origin)).toBe(prefix);
    expect(rewriteLocation('/login?next=/a', prefix, origin)).toBe('/jobs/3/ports/8000/login?next=/a');
    expect(rewriteLocation('http://172.17.0.4:8000/x', prefix, origin)).toBe('/jobs/3/ports/8000/x');
    expect(rewriteLocation('http://172.17.0.4:8000', prefix, origin)).toBe(prefix);
  });
  it('leaves relative links, other sites and already-prefixed paths alone', () => {
    expect(rewriteLocation('next.html', prefix, origin)).toBe('next.html');
    expect(rewriteLocation('https://example.org/', prefix, origin)).toBe('https://example.org/');
    expect(rewriteLocation('//evil.example/', prefix, origin)).toBe('//evil.example/');
    expect(rewriteLocation('/jobs/3/ports/8000/x', prefix, origin)).toBe('/jobs/3/ports/8000/x');
  });
  it('applies to the answer\'s headers, dropping hop-by-hop ones', () => {
    const out = responseHeaders({ location: '/a', 'content-type': 'text/html', connection: 'keep-alive', 'transfer-encoding': 'chunked', 'set-cookie': ['a=1', 'b=2'] }, { prefix, upstreamOrigin: origin });
    expect(out).toEqual({ location: '/jobs/3/ports/8000/a', 'content-type': 'text/html', 'set-cookie': ['a=1', 'b=2'] });
  });
  it('never lets a job set cjm\'s own cookies', () => {
    const cookies = ['cjm_session=attacker; Path=/', '__Host-cjm_session=x; Path=/; Secure', 'cjm_login=y', 'app=1; Path=/'];
    expect(responseHeaders({ 'set-cookie': cookies }, { prefix, upstreamOrigin: origin })['set-cookie']).toEqual(['app=1; Path=/']);
    expect(responseHeaders({ 'set-cookie': ['CJM_SESSION=x'] }, { prefix, upstreamOrigin: origin })).not.toHaveProperty('set-cookie');
  });
});
