import { describe, expect, it } from 'vitest';
import { batchReply, checkRequest, parseFrame } from '../../../server/rpc/frames.js';

const codeOf = (f: ReturnType<typeof parseFrame>) => (f.kind === 'error' ? f.response.error.code : null);

describe('parseFrame', () => {
  it('malformed JSON -> -32700 with id null', () => {
    const f = parseFrame('{"jsonrpc":"2.0",');
    expect(f).toMatchObject({ kind: 'error', response: { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } } });
  });

  it('invalid UTF-8 in a binary frame -> -32700', () => {
    expect(codeOf(parseFrame(Buffer.from([0x7b, 0xff, 0x7d])))).toBe(-32700);
  });

  it('binary frames holding UTF-8 JSON are requests like text ones', () => {
    expect(parseFrame(Buffer.from('{"jsonrpc":"2.0","id":1,"method":"system.ping"}'))).toEqual({
      kind: 'single',
      item: { request: { jsonrpc: '2.0', id: 1, method: 'system.ping', params: undefined } },
    });
  });

  it('a batch over 256 entries -> one -32600, not an answer per entry', () => {
    const f = parseFrame(JSON.stringify(Array(100_000).fill(1)));
    expect(f).toMatchObject({ kind: 'error', response: { id: null, error: { code: -32600, message: expect.stringMatching(/at most 256/) } } });
    expect(parseFrame(JSON.stringify(Array(256).fill(1))).kind).toBe('batch');
  });

  it('[] -> -32600', () => {
    expect(codeOf(parseFrame('[]'))).toBe(-32600);
  });

  it('frames over the limit -> -32600 naming the size, counted in bytes not characters', () => {
    const f = parseFrame('"' + 'é'.repeat(600) + '"', 1000);
    expect(f).toMatchObject({ kind: 'error', response: { id: null, error: { code: -32600 } } });
    if (f.kind === 'error') expect(f.response.error.message).toMatch(/1202 bytes.*1000-byte limit/);
    expect(parseFrame(Buffer.alloc(2000, 0x20), 1000).kind).toBe('error');
  });

  it.each(['null', '1', '"str"', 'true'])('%s -> a single -32600', (frame) => {
    expect(parseFrame(frame)).toMatchObject({ kind: 'single', item: { reject: { id: null, error: { code: -32600 } } } });
  });

  it('batches keep one item per element, invalid ones rejected in place', () => {
    const f = parseFrame('[1, {"jsonrpc":"2.0","method":"a"}, {"jsonrpc":"1.0","id":7,"method":"b"}]');
    expect(f.kind).toBe('batch');
    if (f.kind !== 'batch') return;
    expect(f.items).toHaveLength(3);
    expect(f.items[0]).toMatchObject({ reject: { id: null, error: { code: -32600 } } });
    expect(f.items[1]).toEqual({ request: { jsonrpc: '2.0', method: 'a', params: undefined } });
    expect(f.items[2]).toMatchObject({ reject: { id: 7, error: { code: -32600 } } });
  });
});

describe('checkRequest', () => {
  const rejected = (v: unknown) => {
    const item = checkRequest(v);
    return 'reject' in item ? item.reject : null;
  };

  it('missing or wrong jsonrpc -> -32600 keeping the id', () => {
    expect(rejected({ id: 3, method: 'system.ping' })).toMatchObject({ id: 3, error: { code: -32600, message: /jsonrpc/ } });
    expect(rejected({ jsonrpc: 2, id: 'x', method: 'system.ping' })).toMatchObject({ id: 'x', error: { code: -32600 } });
  });

  it('non-string method -> -32600', () => {
    expect(rejected({ jsonrpc: '2.0', id: 1, method: 5 })).toMatchObject({ id: 1, error: { code: -32600, message: /method/ } });
    expect(rejected({ jsonrpc: '2.0', id: 1 })).toMatchObject({ error: { code: -32600 } });
  });

  it('an id that is not string/number/null -> -32600 with id null', () => {
    expect(rejected({ jsonrpc: '2.0', id: { a: 1 }, method: 'm' })).toMatchObject({ id: null, error: { code: -32600, message: /id/ } });
    expect(rejected({ jsonrpc: '2.0', id: [1], method: 'm' })).toMatchObject({ id: null });
  });

  it('scalar params -> -32600', () => {
    expect(rejected({ jsonrpc: '2.0', id: 1, method: 'm', params: 3 })).toMatchObject({ id: 1, error: { code: -32600, message: /params/ } });
    expect(rejected({ jsonrpc: '2.0', id: 1, method: 'm', params: null })).toMatchObject({ error: { code: -32600 } });
  });

  it('a response-shaped object is not a request', () => {
    expect(rejected({ jsonrpc: '2.0', id: 1, method: 'm', result: 1 })).toMatchObject({ error: { code: -32600 } });
  });

  it('notifications keep having no id; id null is an id', () => {
    expect(checkRequest({ jsonrpc: '2.0', method: 'm', params: {} })).toEqual({ request: { jsonrpc: '2.0', method: 'm', params: {} } });
    expect(checkRequest({ jsonrpc: '2.0', id: null, method: 'm' })).toEqual({ request: { jsonrpc: '2.0', id: null, method: 'm', params: undefined } });
  });
});

describe('batchReply', () => {
  const r = (id: number) => ({ jsonrpc: '2.0' as const, id, result: id });
  it('one answer is still an array', () => {
    expect(batchReply([r(1), null])).toEqual([r(1)]);
  });
  it('all notifications -> no frame', () => {
    expect(batchReply([null, null])).toBeNull();
  });
});
