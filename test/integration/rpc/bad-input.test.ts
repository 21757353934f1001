// Bad input over a real socket: every malformed frame and every wrong JobSpec field gets the right
// error naming the field, the connection and the server stay up, and nothing is written.
import { describe, expect, it } from 'vitest';
import { withServerAndClient } from '../../support/server-and-client.js';
import { openRaw } from './raw-socket.js';

const { api: raw } = withServerAndClient({ connect: (s) => openRaw(s.url, s.adminToken) });

async function stillUp(): Promise<void> {
  const pong = await raw.call('system.ping', {});
  expect(pong.result).toMatchObject({ ok: true });
}

const MiB = 1024 * 1024;

describe('malformed frames', () => {
  const request = (o: object) => JSON.stringify(o);
  it.each([
    ['malformed JSON', '{"jsonrpc": "2.0", "method": ', -32700],
    ['not JSON at all', 'hello', -32700],
    ['null', 'null', -32600],
    ['a number', '42', -32600],
    ['a string', '"job.list"', -32600],
    ['true', 'true', -32600],
    ['[]', '[]', -32600],
    ['a batch of 100,000 entries', JSON.stringify(Array(100_000).fill(1)), -32600],
    ['missing jsonrpc', request({ id: 1, method: 'system.ping' }), -32600],
    ['jsonrpc 1.0', request({ jsonrpc: '1.0', id: 1, method: 'system.ping' }), -32600],
    ['non-string method', request({ jsonrpc: '2.0', id: 1, method: 7 }), -32600],
    ['object id', request({ jsonrpc: '2.0', id: {}, method: 'system.ping' }), -32600],
    ['scalar params', request({ jsonrpc: '2.0', id: 1, method: 'system.ping', params: 'x' }), -32600],
    ['unknown method', request({ jsonrpc: '2.0', id: 1, method: 'job.explode' }), -32601],
    ['positional params', request({ jsonrpc: '2.0', id: 1, method: 'job.get', params: [1] }), -32602],
  ])('%s -> %i, and the server still answers', async (_what, frame, code) => {
    const reply = (await raw.send(frame)) as { jsonrpc: string; error: { code: number } };
    expect(reply).toMatchObject({ jsonrpc: '2.0', error: { code } });
    expect(Array.isArray(reply)).toBe(false);
    await stillUp();
  });

  it('[1] -> an array holding one -32600', async () => {
    expect(await raw.send('[1]')).toEqual([{ jsonrpc: '2.0', id: null, error: { code: -32600, message: expect.any(String) } }]);
    await stillUp();
  });

  it('deeply nested arrays (a batch of one non-request) -> [-32600]', async () => {
    expect(await raw.send('['.repeat(200_000) + ']'.repeat(200_000))).toMatchObject([{ id: null, error: { code: -32600 } }]);
    await stillUp();
  });

  it('a 1.5 MiB frame -> -32600, and the connection survives', async () => {
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'system.ping', params: { pad: 'x'.repeat(1.5 * MiB) } });
    expect(await raw.send(big)).toMatchObject({ id: null, error: { code: -32600, message: expect.stringMatching(/over the 1048576-byte limit/) } });
    await stillUp();
  });

  it('a frame just under 1 MiB is parsed (and then judged on its params)', async () => {
    const frame = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'system.ping', params: { pad: 'x'.repeat(MiB - 200) } });
    expect(await raw.send(frame)).toMatchObject({ id: 1, error: { code: -32602, data: { field: 'pad' } } });
  });

  it('a binary frame is read as UTF-8 JSON; invalid UTF-8 -> -32700', async () => {
    expect(await raw.send(Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'system.ping' })))).toMatchObject({ id: 5, result: { ok: true } });
    expect(await raw.send(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]))).toMatchObject({ id: null, error: { code: -32700 } });
    await stillUp();
  });

  it('a batch of valid and invalid entries: one answer per request, none for notifications, as an array', async () => {
    const reply = (await raw.send(
      JSON.stringify([
        { jsonrpc: '2.0', id: 'a', method: 'system.ping' },
        { jsonrpc: '2.0', method: 'system.ping' },
        7,
        { jsonrpc: '2.0', id: 'b', method: 'nope' },
        { jsonrpc: '2.0', id: 'c', method: 'job.get', params: { id: 'x' } },
      ]),
    )) as { id: unknown }[];
    expect(Array.isArray(reply)).toBe(true);
    expect(reply).toHaveLength(4);
    const byId = new Map(reply.map((r) => [r.id, r]));
    expect(byId.get('a')).toMatchObject({ result: { ok: true } });
    expect(byId.get(null)).toMatchObject({ error: { code: -32600 } });
    expect(byId.get('b')).toMatchObject({ error: { code: -32601 } });
    expect(byId.get('c')).toMatchObject({ error: { code: -32602, data: { field: 'id' } } });
  });

  it('a batch of one request is answered as an array of one', async () => {
    expect(await raw.send(JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'system.ping' }]))).toMatchObject([{ id: 1, result: { ok: true } }]);
  });

  it('a batch of notifications only produces no frame', async () => {
    const before = raw.received.length;
    raw.ws.send(JSON.stringify([{ jsonrpc: '2.0', method: 'system.ping' }, { jsonrpc: '2.0', method: 'job.list' }]));
    await stillUp();
    expect(raw.received.length).toBe(before + 1);
  });
});

describe('every JobSpec field wrong in every way -> -32602 naming the field, nothing written', () => {
  const valid = { name: 'ok-name', image: 'busybox:latest', cmd: 'echo hi', cpus: 0.5, memoryMb: 64 };
  const tenKb = 'x'.repeat(10 * 1024);
  const cases: [string, Record<string, unknown>, string][] = [
    // name
    ['name: number', { name: 123 }, 'name'],
    ['name: empty', { name: '' }, 'name'],
    ['name: 10 KB', { name: tenKb }, 'name'],
    ['name: ../', { name: '../etc' }, 'name'],
    ['name: slash', { name: 'a/b' }, 'name'],
    ['name: ;', { name: 'a;rm -rf /' }, 'name'],
    ['name: $()', { name: 'a$(id)' }, 'name'],
    ['name: backticks', { name: 'a`id`' }, 'name'],
    ['name: pipe', { name: 'a|b' }, 'name'],
    ['name: space', { name: 'a b' }, 'name'],
    ['name: newline', { name: 'a\nb' }, 'name'],
    ['name: leading dash', { name: '-rf' }, 'name'],
    ['name: leading dot', { name: '.hidden' }, 'name'],
    ['name: null', { name: null }, 'name'],
    ['name: missing', { name: undefined }, 'name'],
    // image
    ['image: number', { image: 5 }, 'image'],
    ['image: empty', { image: '' }, 'image'],
    ['image: 10 KB', { image: tenKb }, 'image'],
    ['image: ../', { image: '../../etc/passwd' }, 'image'],
    ['image: shell', { image: 'busybox; rm -rf /' }, 'image'],
    ['image: upper case', { image: 'BusyBox' }, 'image'],
    ['image: option', { image: '--privileged' }, 'image'],
    // cmd / argv
    ['cmd: number', { cmd: 5 }, 'cmd'],
    ['cmd: empty', { cmd: '' }, 'cmd'],
    ['cmd: blank', { cmd: '   ' }, 'cmd'],
    ['cmd: 10 KB', { cmd: tenKb }, 'cmd'],
    ['cmd: NUL', { cmd: 'echo a\u0000b' }, 'cmd'],
    ['cmd and argv missing', { cmd: undefined }, 'cmd'],
    ['cmd and argv both', { argv: ['echo'] }, 'argv'],
    ['argv: string', { cmd: undefined, argv: 'echo hi' }, 'argv'],
    ['argv: empty', { cmd: undefined, argv: [] }, 'argv'],
    ['argv: empty program', { cmd: undefined, argv: [''] }, 'argv'],
    ['argv: number element', { cmd: undefined, argv: ['echo', 1] }, 'argv'],
    ['argv: 10 KB element', { cmd: undefined, argv: ['echo', tenKb] }, 'argv'],
    ['argv: too many', { cmd: undefined, argv: Array(300).fill('a') }, 'argv'],
    // cpus
    ['cpus: string', { cpus: '1' }, 'cpus'],
    ['cpus: zero', { cpus: 0 }, 'cpus'],
    ['cpus: negative', { cpus: -1 }, 'cpus'],
    ['cpus: huge', { cpus: 1e9 }, 'cpus'],
    ['cpus: null', { cpus: null }, 'cpus'],
    ['cpus: missing', { cpus: undefined }, 'cpus'],
    // memoryMb
    ['memoryMb: fraction', { memoryMb: 1.5 }, 'memoryMb'],
    ['memoryMb: below 6', { memoryMb: 5 }, 'memoryMb'],
    ['memoryMb: string', { memoryMb: '64' }, 'memoryMb'],
    ['memoryMb: huge', { memoryMb: 1e12 }, 'memoryMb'],
    ['memoryMb: missing', { memoryMb: undefined }, 'memoryMb'],
    // ioWeight
    ['ioWeight: below 10', { ioWeight: 5 }, 'ioWeight'],
    ['ioWeight: above 1000', { ioWeight: 1001 }, 'ioWeight'],
    ['ioWeight: fraction', { ioWeight: 10.5 }, 'ioWeight'],
    ['ioWeight: string', { ioWeight: '500' }, 'ioWeight'],
    // pidsLimit, timeoutSeconds
    ['pidsLimit: zero', { pidsLimit: 0 }, 'pidsLimit'],
    ['pidsLimit: huge', { pidsLimit: 1e6 }, 'pidsLimit'],
    ['pidsLimit: string', { pidsLimit: 'many' }, 'pidsLimit'],
    ['timeoutSeconds: negative', { timeoutSeconds: -1 }, 'timeoutSeconds'],
    ['timeoutSeconds: fraction', { timeoutSeconds: 1.5 }, 'timeoutSeconds'],
    ['timeoutSeconds: huge', { timeoutSeconds: 1e12 }, 'timeoutSeconds'],
    // env
    ['env: string', { env: 'A=1' }, 'env'],
    ['env: array', { env: ['A=1'] }, 'env'],
    ['env: bad name', { env: { '1A': 'x' } }, 'env'],
    ['env: shell in name', { env: { 'A;rm': 'x' } }, 'env'],
    ['env: number value', { env: { A: 5 } }, 'env'],
    ['env: 10 KB value', { env: { A: tenKb } }, 'env'],
    ['env: NUL value', { env: { A: 'a\u0000b' } }, 'env'],
    // network, unknown fields
    ['network: host', { network: 'host' }, 'network'],
    ['network: container:x', { network: 'container:other' }, 'network'],
    ['network: number', { network: 1 }, 'network'],
    // ports
    ['ports: 0', { ports: [0] }, 'ports'],
    ['ports: 70000', { ports: [70000] }, 'ports'],
    ['ports: negative', { ports: [-80] }, 'ports'],
    ['ports: fraction', { ports: [80.5] }, 'ports'],
    ['ports: 17 entries', { ports: Array.from({ length: 17 }, (_, i) => 8000 + i) }, 'ports'],
    ['ports: string element', { ports: ['8000'] }, 'ports'],
    ['ports: string', { ports: '8000' }, 'ports'],
    ['ports: number', { ports: 8000 }, 'ports'],
    ['ports: duplicates', { ports: [8000, 8000] }, 'ports'],
    ['ports: with network none', { ports: [8000], network: 'none' }, 'ports'],
    // constraints: malformed anywhere; well-formed but on the docker runtime (swarm only)
    ['constraints: not an expression', { constraints: ['gpu'] }, 'constraints'],
    ['constraints: single =', { constraints: ['node.hostname=w1'] }, 'constraints'],
    ['constraints: unknown attribute', { constraints: ['node.cpus==4'] }, 'constraints'],
    ['constraints: a string', { constraints: 'node.role==worker' }, 'constraints'],
    ['constraints: on the docker runtime', { constraints: ['node.role==worker'] }, 'constraints'],
    ['unknown field', { privileged: true }, 'privileged'],
    ['unknown field: binds', { binds: ['/:/host'] }, 'binds'],
  ];

  it.each(cases)('%s', async (_what, change, field) => {
    const params: Record<string, unknown> = { ...valid, ...change };
    for (const k of Object.keys(params)) if (params[k] === undefined) delete params[k];
    const reply = await raw.call('job.create', params);
    expect(reply.error?.code, JSON.stringify(reply)).toBe(-32602);
    const data = reply.error?.data as { field: string; reason: string; errors: { field: string; reason: string }[] };
    expect(data.field === field || data.field.startsWith(`${field}.`), `field ${data.field}`).toBe(true);
    expect(data.reason.length).toBeGreaterThan(0);
    expect(data.errors).toEqual([{ field: data.field, reason: data.reason }]);
    expect(reply.error?.message.length).toBeLessThan(400);
    await stillUp();
  });

  it('params that are not an object -> -32602 params', async () => {
    expect((await raw.call('job.create', [valid])).error).toMatchObject({ code: -32602, data: { field: 'params' } });
    expect((await raw.call('job.create')).error).toMatchObject({ code: -32602 });
  });

  it('a spec with 4 bad fields -> data names the first and data.errors all 4, in one answer', async () => {
    const reply = await raw.call('job.create', { ...valid, name: '../x', cpus: 0, memoryMb: '64', privileged: true });
    expect(reply.error?.code).toBe(-32602);
    const data = reply.error?.data as { field: string; reason: string; errors: { field: string; reason: string }[] };
    expect(data.errors.map((e) => e.field).sort()).toEqual(['cpus', 'memoryMb', 'name', 'privileged']);
    for (const e of data.errors) expect(e.reason.length, e.field).toBeGreaterThan(0);
    expect({ field: data.field, reason: data.reason }).toEqual(data.errors[0]);
    expect(reply.error?.message).toContain('(and 3 more)');
  });

  it('one bad field -> data.errors holds just that one', async () => {
    const data = (await raw.call('job.create', { ...valid, cpus: -1 })).error?.data as { field: string; reason: string; errors: unknown[] };
    expect(data.errors).toEqual([{ field: 'cpus', reason: data.reason }]);
  });

  it('no row was written for any rejected call', async () => {
    expect((await raw.call('job.list', {})).result).toEqual({ jobs: [], nextCursor: null, total: null, totalCapped: false });
    expect((await raw.call('job.list', { count: true })).result).toEqual({ jobs: [], nextCursor: null, total: 0, totalCapped: false });
  });
});

describe('v1.1 methods and params: bad values -> -32602 naming the field', () => {
  const cases: [string, string, Record<string, unknown>, string][] = [
    ['job.rerun', 'id missing', {}, 'id'],
    ['job.rerun', 'id string', { id: '1' }, 'id'],
    ['job.rerun', 'id zero', { id: 0 }, 'id'],
    ['job.rerun', 'name: ../', { id: 1, name: '../etc' }, 'name'],
    ['job.rerun', 'name: 64 characters', { id: 1, name: 'a'.repeat(64) }, 'name'],
    ['job.rerun', 'name: number', { id: 1, name: 5 }, 'name'],
    ['job.rerun', 'unknown field', { id: 1, cmd: 'rm -rf /' }, 'cmd'],
    ['job.removeMany', 'status missing', {}, 'status'],
    ['job.removeMany', 'status running', { status: 'running' }, 'status'],
    ['job.removeMany', 'status pending', { status: 'pending' }, 'status'],
    ['job.removeMany', 'status all', { status: 'all' }, 'status'],
    ['job.removeMany', 'olderThanSeconds negative', { status: 'exited', olderThanSeconds: -1 }, 'olderThanSeconds'],
    ['job.removeMany', 'olderThanSeconds fraction', { status: 'exited', olderThanSeconds: 1.5 }, 'olderThanSeconds'],
    ['job.removeMany', 'olderThanSeconds string', { status: 'exited', olderThanSeconds: '60' }, 'olderThanSeconds'],
    ['job.removeMany', 'olderThanSeconds huge', { status: 'exited', olderThanSeconds: 1e12 }, 'olderThanSeconds'],
    ['job.removeMany', 'unknown field: owner', { status: 'exited', owner: 'bob' }, 'owner'],
    ['job.list', 'count string', { count: 'yes' }, 'count'],
    ['job.list', 'count number', { count: 1 }, 'count'],
    ['job.logs', 'timestamps string', { id: 1, timestamps: 'yes' }, 'timestamps'],
    ['job.logs', 'timestamps number', { id: 1, timestamps: 1 }, 'timestamps'],
  ];

  it.each(cases)('%s: %s', async (method, _what, params, field) => {
    const reply = await raw.call(method, params);
    expect(reply.error?.code, JSON.stringify(reply)).toBe(-32602);
    expect((reply.error?.data as { field: string }).field).toBe(field);
    await stillUp();
  });
});
