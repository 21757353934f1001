// Random frames at the real endpoint over a real socket: bytes, text, JSON values, JSON-RPC-shaped
// requests with random methods, params and ids, and batches of them. The server must never crash,
// never drop the connection, never answer -32603, and always answer valid JSON-RPC (and nothing for
// a notification).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../server/protocol/client.js';
import { methodNames } from '../../server/protocol/index.js';
import { audit, newAdminToken, spawnCjm, type ChildCjm } from '../fault/harness.js';
import { startPrivateDockerd, type PrivateDockerd } from '../support/daemons.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { fuzzRuns, openWire, responseProblem, type Wire } from './wire.js';

let dockerd: PrivateDockerd;
let db: TestDatabase;
let dataDir: string;
let server: ChildCjm;
const adminToken = newAdminToken();
const tried: Record<string, number> = {};

beforeAll(async () => {
  [dockerd, db] = await Promise.all([startPrivateDockerd(), createTestDatabase()]);
  dataDir = await mkdtemp(join(tmpdir(), 'cjm-fuzz-frames-'));
  // Rate limit off: the fuzzer sends as fast as it can and a 429-like answer would hide the rest.
  server = await spawnCjm({ databaseUrl: db.url, adminToken, dockerHost: dockerd.host, dataDir, extra: { CJM_RATE_LIMIT: '0' } });
}, 120_000);

afterAll(async () => {
  console.log(`FUZZ frames tried: ${JSON.stringify(tried)}`);
  await server?.kill('SIGTERM');
  await dockerd?.destroy();
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
}, 120_000);

// Methods that change nothing lasting, plus random names; job.create is the JobSpec fuzzer's.
const safeMethods = methodNames.filter((m) => m !== 'job.create');
const anyId = fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.double(), fc.boolean(), fc.object(), fc.array(fc.integer()));
const goodId = fc.oneof(fc.integer({ min: -1e9, max: 1e9 }), fc.string({ maxLength: 20 }));
const anyParams = fc.oneof(
  fc.object(),
  fc.jsonValue(),
  fc.record({ id: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(-1), fc.constant(2 ** 53)) }),
  fc.record({ id: fc.integer({ min: 1, max: 5 }), tailBytes: fc.integer(), stream: fc.string(), fromOffset: fc.integer(), timeoutSeconds: fc.integer() }, { requiredKeys: [] }),
  fc.record({ status: fc.string(), search: fc.string({ maxLength: 300 }), limit: fc.integer(), cursor: fc.oneof(fc.string(), fc.constant(null)) }, { requiredKeys: [] }),
);
const shapedRequest = fc.record(
  {
    jsonrpc: fc.oneof({ weight: 8, arbitrary: fc.constant('2.0') }, { weight: 1, arbitrary: fc.jsonValue() }),
    method: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...safeMethods) }, { weight: 1, arbitrary: fc.string() }, { weight: 1, arbitrary: fc.jsonValue() }),
    params: anyParams,
    id: fc.oneof({ weight: 4, arbitrary: goodId }, { weight: 1, arbitrary: anyId }),
  },
  { requiredKeys: ['jsonrpc', 'method'] },
);

type Frame = { kind: string; data: string | Buffer; request?: Record<string, unknown> };
const frameArb: fc.Arbitrary<Frame> = fc.oneof(
  fc.uint8Array({ maxLength: 512 }).map((b) => ({ kind: 'bytes', data: Buffer.from(b) })),
  fc.string({ unit: 'binary', maxLength: 300 }).map((s) => ({ kind: 'text', data: s })),
  fc.jsonValue().map((v) => ({ kind: 'json', data: JSON.stringify(v) ?? 'null' })),
  shapedRequest.map((r) => ({ kind: 'request', data: JSON.stringify(r), request: r as Record<string, unknown> })),
  fc.array(fc.oneof(shapedRequest, fc.jsonValue()), { minLength: 0, maxLength: 6 }).map((a) => ({ kind: 'batch', data: JSON.stringify(a) })),
  fc.constantFrom('', '[]', '[[]]', '{}', 'null', '[null]', '{"jsonrpc":"2.0"}', '{"jsonrpc":"2.0","method":"system.ping"}', '\u0000', '{"__proto__":{"x":1},"jsonrpc":"2.0","method":"job.get","params":{"__proto__":{"id":1}},"id":1}').map((s) => ({ kind: 'edge', data: s })),
);

/** What the frame must be answered with (waited for; a missing answer times out): the ids of its
 * well-formed requests (null too: such a request is answered, maybe after the marker, and an answer
 * left behind would be read as the next frame's), and for a non-empty batch with anything but
 * notifications in it, an array. */
function expected(data: string | Buffer): { ids: unknown[]; batchReply: boolean } {
  let v: unknown;
  try {
    v = JSON.parse(data.toString());
  } catch {
    return { ids: [], batchReply: false };
  }
  const batchReply = Array.isArray(v) && v.length > 0 && v.some((r) => !isNotification(JSON.stringify(r)));
  const ids = (Array.isArray(v) ? v : [v]).flatMap((r) => {
    if (!r || typeof r !== 'object' || Array.isArray(r)) return [];
    const q = r as Record<string, unknown>;
    const wellFormed = q.jsonrpc === '2.0' && typeof q.method === 'string' && (!('params' in q) || (typeof q.params === 'object' && q.params !== null));
    return wellFormed && (typeof q.id === 'number' || typeof q.id === 'string' || q.id === null) ? [q.id] : [];
  });
  return { ids, batchReply };
}

function isNotification(data: string | Buffer): boolean {
  let r: unknown;
  try {
    r = JSON.parse(data.toString());
  } catch {
    return false;
  }
  if (!r || typeof r !== 'object' || Array.isArray(r)) return false;
  const q = r as Record<string, unknown>;
  return q.jsonrpc === '2.0' && typeof q.method === 'string' && !('id' in q) && (!('params' in q) || (typeof q.params === 'object' && q.params !== null));
}

async function fuzzAs(label: string, token: string | undefined): Promise<void> {
  let wire: Wire = await openWire(server.rpcUrl, token);
  try {
    await fc.assert(
      fc.asyncProperty(frameArb, async (frame) => {
        tried[`${label}:${frame.kind}`] = (tried[`${label}:${frame.kind}`] ?? 0) + 1;
        if (wire.closed()) wire = await openWire(server.rpcUrl, token);
        const replies = await wire.exchange(frame.data, expected(frame.data));
        for (const reply of replies) {
          for (const m of Array.isArray(reply) ? reply : [reply]) {
            const problem = responseProblem(m);
            if (problem) throw new Error(`bad reply ${problem} to ${String(frame.data).slice(0, 300)}`);
          }
          if (Array.isArray(reply) && reply.length === 0) throw new Error('an empty array reply');
        }
        const answers = replies.filter((m) => Array.isArray(m) || !(m && typeof m === 'object' && 'method' in m));
        if (isNotification(frame.data)) {
          if (answers.length !== 0) throw new Error(`a notification got an answer: ${JSON.stringify(answers)}`);
        } else if (frame.kind !== 'batch' && answers.length === 0 && frame.kind !== 'request') {
          // A bare non-request value (bytes, text, JSON) must get an error, not silence.
          throw new Error(`no answer to ${String(frame.data).slice(0, 200)}`);
        }
      }),
      { numRuns: fuzzRuns(200), verbose: 1 },
    );
  } finally {
    wire.close();
  }
}

describe('random frames', () => {
  it('authenticated: the server answers every one with valid JSON-RPC, never -32603', () => fuzzAs('admin', adminToken), 600_000);
  it('unauthenticated: the same', () => fuzzAs('anon', undefined), 600_000);

  it('the server is still up and left nothing behind', async () => {
    const api = await createClient(server.rpcUrl, adminToken);
    await expect(api.call('system.ping', {})).resolves.toMatchObject({ ok: true });
    const a = await audit(api, dockerd.docker);
    expect(a.orphans).toEqual([]);
    api.close();
    expect(server.child.exitCode).toBeNull();
  });

  it('a frame over 1 MiB gets -32600 and the connection lives on', async () => {
    const wire = await openWire(server.rpcUrl, adminToken);
    const big = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'job.list', params: { search: 'x'.repeat(1024 * 1024 + 10) } });
    const replies = (await wire.exchange(big)) as { error?: { code: number } }[];
    expect(replies.map((r) => r.error?.code)).toEqual([-32600]);
    expect(wire.closed()).toBe(false);
    wire.close();
  });
});
