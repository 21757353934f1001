// The system as provision/provision.sh leaves it (.ci/run provisions before testing): the server behind
// Apache on 127.0.0.1:8080, reached with the token the script generated. Runs one busybox job end to end.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type CjmClient } from '../../server/protocol/client.js';
import { ErrorCode, isRpcError, type Job } from '../../server/protocol/index.js';

const httpBase = 'http://127.0.0.1:8080';
const rpcUrl = 'ws://127.0.0.1:8080/rpc';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CJM_TOKEN, else the client config provision wrote for the login user, else the root-only env file. */
function provisionedToken(): string {
  const fromEnv = process.env['CJM_TOKEN'];
  if (fromEnv) return fromEnv;
  const tried: string[] = [];
  const configPath = join(homedir(), '.config/cjm/config.json');
  try {
    const token = (JSON.parse(readFileSync(configPath, 'utf8')) as { token?: unknown }).token;
    if (typeof token === 'string' && token) return token;
  } catch (e) {
    tried.push(`${configPath}: ${(e as Error).message}`);
  }
  try {
    const line = readFileSync('/etc/cjm/cjm.env', 'utf8').match(/^CJM_ADMIN_TOKEN=(.+)$/m);
    if (line?.[1]) return line[1].trim();
  } catch (e) {
    tried.push(`/etc/cjm/cjm.env: ${(e as Error).message}`);
  }
  throw new Error(`no token: set CJM_TOKEN or run provision/provision.sh first (${tried.join('; ')})`);
}

async function waitForFinish(client: CjmClient, id: number, ms: number): Promise<Job> {
  const deadline = Date.now() + ms;
  for (;;) {
    const job = await client.call('job.get', { id });
    if (job.status === 'exited' || job.status === 'error') return job;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job.status} after ${ms} ms`);
    await sleep(250);
  }
}

describe('provisioned system through Apache on 8080', () => {
  let client: CjmClient;
  const leftovers = new Set<number>();

  beforeAll(async () => {
    client = await createClient(rpcUrl, provisionedToken());
  });

  afterAll(async () => {
    for (const id of leftovers) await client.call('job.remove', { id }).catch(() => undefined);
    client?.close();
  });

  it('answers system.ping over the proxied WebSocket', async () => {
    const pong = await client.call('system.ping', {});
    expect(pong.ok).toBe(true);
  });

  it('serves the web page with the security headers', async () => {
    const res = await fetch(`${httpBase}/`, { redirect: 'manual' });
    expect(res.status).toBeLessThan(500);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });

  it('refuses calls without the token', async () => {
    const anonymous = await createClient(rpcUrl, undefined);
    try {
      const error = await anonymous.call('job.list', {}).catch((e: unknown) => e);
      expect(isRpcError(error) && error.code).toBe(ErrorCode.Unauthenticated);
    } finally {
      anonymous.close();
    }
  });

  it('runs a busybox job, reads its log, removes it', async () => {
    const name = `e2e-provisioned-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
    const created = await client.call('job.create', { name, image: 'busybox', cmd: 'echo hello-provisioned', cpus: 0.5, memoryMb: 64 });
    leftovers.add(created.id);
    expect(created.name).toBe(name);

    const finished = await waitForFinish(client, created.id, 60_000);
    expect(finished).toMatchObject({ status: 'exited', reason: 'completed', exitCode: 0 });

    const logs = await client.call('job.logs', { id: created.id });
    expect(logs.text).toContain('hello-provisioned');

    expect(await client.call('job.remove', { id: created.id })).toEqual({ id: created.id, removed: true });
    leftovers.delete(created.id);
    const gone = await client.call('job.get', { id: created.id }).catch((e: unknown) => e);
    expect(isRpcError(gone) && gone.code).toBe(ErrorCode.JobNotFound);
  });
});
