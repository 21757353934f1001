// Users, ownership and quotas over the real socket: two non-admin users made with the
// `cjm-server token` CLI, an admin, and what each of them can see and touch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type CjmClient } from '../../../server/protocol/client.js';
import { ErrorCode, RpcError, type Job, type JobSpecInput } from '../../../server/protocol/index.js';
import { createToken, tokenCli } from '../../fault/harness.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { rpcError, uniqueName, waitFor, waitForJob } from '../../support/wait.js';

let server: TestServer;
const clients: CjmClient[] = [];
let admin: CjmClient;
let alice: CjmClient;
let bob: CjmClient;
let aliceToken: { token: string; id: number };
let bobToken: { token: string; id: number };

const spec = (over: Partial<JobSpecInput> = {}): JobSpecInput => ({
  name: uniqueName('own'),
  image: 'busybox:latest',
  cmd: 'echo secret-of-alice; sleep 60',
  cpus: 0.1,
  memoryMb: 16,
  network: 'none',
  ...over,
});


beforeAll(async () => {
  // Tokens are re-checked every 300 ms here (5 s by default) so revocation is quick to observe.
  server = await startTestServer({ rpc: { recheckTokensMs: 300 } });
  [aliceToken, bobToken] = await Promise.all([createToken(server.databaseUrl, 'alice'), createToken(server.databaseUrl, 'bob')]);
  admin = await connect(server.adminToken);
  alice = await connect(aliceToken.token);
  bob = await connect(bobToken.token);
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await server?.close();
});

async function connect(token: string): Promise<CjmClient> {
  const c = await createClient(server.url, token);
  clients.push(c);
  return c;
}

describe('the token CLI', () => {
  it('stores only hashes and lists users', async () => {
    const list = JSON.parse(await tokenCli(server.databaseUrl, ['list', '--json'])) as Record<string, unknown>[];
    expect(list.map((r) => r.user)).toEqual(expect.arrayContaining(['alice', 'bob', 'admin']));
    const dump = JSON.stringify(list);
    expect(dump).not.toContain(aliceToken.token);
    expect(dump).not.toContain(bobToken.token);
  });

  it('auth.login tells each who they are', async () => {
    expect(await alice.call('auth.login', { token: aliceToken.token })).toMatchObject({ user: 'alice', admin: false });
    expect(await bob.call('auth.login', { token: bobToken.token })).toMatchObject({ user: 'bob', admin: false });
  });
});

describe('another user\'s job', () => {
  let job: Job;
  const bobSaw: number[] = [];
  const adminSaw: number[] = [];
  const adminSawExit: number[] = [];

  beforeAll(async () => {
    await bob.call('events.subscribe', {});
    await admin.call('events.subscribe', {});
    bob.on('job.updated', ({ job: j }) => bobSaw.push(j.id));
    admin.on('job.updated', ({ job: j }) => {
      adminSaw.push(j.id);
      if (j.status === 'exited') adminSawExit.push(j.id);
    });
    job = await alice.call('job.create', spec());
    expect(job.owner).toBe('alice');
    await waitForJob(alice, job.id, (j) => j.status === 'running');
  });

  const attempts: [string, () => Promise<unknown>][] = [
    ['job.get', () => bob.call('job.get', { id: job.id })],
    ['job.refresh', () => bob.call('job.refresh', { id: job.id })],
    ['job.logs', () => bob.call('job.logs', { id: job.id })],
    ['job.follow', () => bob.call('job.follow', { id: job.id, fromOffset: 0 })],
    ['job.stats', () => bob.call('job.stats', { id: job.id })],
    ['job.stop', () => bob.call('job.stop', { id: job.id, timeoutSeconds: 0 })],
    ['job.kill', () => bob.call('job.kill', { id: job.id })],
    ['job.remove', () => bob.call('job.remove', { id: job.id })],
  ];
  for (const [method, attempt] of attempts) {
    it(`is 4004 for ${method}, exactly as for a job that does not exist`, async () => {
      const theirs = await rpcError(attempt());
      expect(theirs.code).toBe(ErrorCode.JobNotFound);
      expect(theirs.message).not.toContain('alice');
      // Same answer as for an id nobody has: no oracle.
      const none = await rpcError(bob.call('job.get', { id: 999_999_999 }));
      expect(theirs.message.replace(String(job.id), 'N')).toBe(none.message.replace('999999999', 'N'));
    });
  }

  it('was left untouched by those attempts', async () => {
    const j = await alice.call('job.get', { id: job.id });
    expect(j.status).toBe('running');
    const logs = await waitFor('alice\'s output', async () => {
      const l = await alice.call('job.logs', { id: job.id });
      return l.text?.includes('secret-of-alice') ? l : undefined;
    });
    expect(logs.text).toContain('secret-of-alice');
  });

  it('is not in bob\'s job.list, with or without a search for it; the admin sees it', async () => {
    expect((await bob.call('job.list', { limit: 500 })).jobs.map((j) => j.id)).not.toContain(job.id);
    expect((await bob.call('job.list', { search: job.name })).jobs).toEqual([]);
    expect((await bob.call('job.list', { status: 'running' })).jobs.map((j) => j.owner)).not.toContain('alice');
    expect((await alice.call('job.list', {})).jobs.map((j) => j.id)).toContain(job.id);
    expect((await admin.call('job.list', {})).jobs.map((j) => j.id)).toContain(job.id);
  });

  it('never reaches bob as a job.updated notification; the admin gets them', async () => {
    const own = await bob.call('job.create', spec({ cmd: 'echo bob' }));
    await waitForJob(bob, own.id, (j) => j.status === 'exited');
    await alice.call('job.stop', { id: job.id, timeoutSeconds: 0 });
    // The stop's update has gone out (the admin has it) before bob's side is judged.
    await waitFor('admin to see alice\'s stop', async () => adminSawExit.includes(job.id));
    await waitFor('bob to see his own job', async () => bobSaw.includes(own.id));
    expect(bobSaw).not.toContain(job.id);
    expect(new Set(bobSaw)).toEqual(new Set([own.id]));
    expect(adminSaw).toEqual(expect.arrayContaining([job.id, own.id]));
  });

  it('the admin may act on it', async () => {
    expect((await admin.call('job.get', { id: job.id })).owner).toBe('alice');
    await expect(admin.call('job.logs', { id: job.id })).resolves.toMatchObject({ id: job.id });
  });
});

describe('quotas', () => {
  // The default per-user memory quota is 65536 MB; jobs of 20000 MB (under this host's memory, and
  // Docker reserves nothing for a limit) fit three times. sleep uses no memory at all.
  const big = (n: string) => spec({ name: uniqueName(n), cmd: 'sleep 120', memoryMb: 20_000 });

  it('over the memory quota -> 4029 naming the quota and the numbers; nothing stored', async () => {
    const carol = await connect((await createToken(server.databaseUrl, 'carol')).token);
    for (let i = 0; i < 3; i++) await carol.call('job.create', big('q'));
    const before = (await carol.call('job.list', {})).jobs.length;
    const e = await rpcError(carol.call('job.create', big('q')));
    expect(e.code).toBe(ErrorCode.QuotaExceeded);
    expect(e.message).toMatch(/memory/i);
    expect(e.message).toContain('60000');
    expect(e.message).toContain('65536');
    expect((await carol.call('job.list', {})).jobs.length).toBe(before);
    // Another user is not held by carol's use.
    const dave = await connect((await createToken(server.databaseUrl, 'dave')).token);
    await expect(dave.call('job.create', big('d'))).resolves.toMatchObject({ owner: 'dave' });
  });

  it('holds under concurrent creates: a burst cannot overshoot it', async () => {
    const erin = await connect((await createToken(server.databaseUrl, 'erin')).token);
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => erin.call('job.create', big('burst'))));
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const codes = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as RpcError).code] : []));
    console.log(`quota burst: ${ok} of 6 created (quota allows 3), rejections: ${JSON.stringify(codes)}`);
    expect(codes.every((c) => c === ErrorCode.QuotaExceeded)).toBe(true);
    expect(ok).toBe(3);
  });
});

describe('revoking a token', () => {
  it('closes its open connection, and the token no longer connects', async () => {
    const frank = await createToken(server.databaseUrl, 'frank');
    const conn = await connect(frank.token);
    await expect(conn.call('job.list', {})).resolves.toBeDefined();
    const t0 = Date.now();
    expect(await tokenCli(server.databaseUrl, ['revoke', String(frank.id)])).toContain('revoked');
    const closed = await Promise.race([conn.closed, new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
    console.log(`revoked connection closed after ${Date.now() - t0} ms: ${JSON.stringify(closed)}`);
    expect(closed).not.toBeNull();
    expect(closed!.code).toBe(4001);
    // A new connection with the revoked token is refused at the upgrade (HTTP 401), as any wrong
    // Bearer token is (issue 12 item 5 may move that to 4001 on the open socket: change it here then).
    await expect(connect(frank.token)).rejects.toThrow(/401/);
  });
});
