// The proxy's memory of tokens and jobs, over a small in-memory job service: what it must never do
// is serve a job's old state (its address, or running after it stopped) or outlive a token's TTL.
import { describe, expect, it } from 'vitest';
import { JobNotFoundError } from '../../../server/core/errors.js';
import type { AuthService, Caller, JobListener, JobService } from '../../../server/core/api.js';
import { createProxyAccess } from '../../../server/http/proxy-access.js';
import type { Job } from '../../../server/protocol/index.js';
import { makeJob } from '../../support/job.js';

function world() {
  const jobs = new Map<number, Job>([[1, makeJob({ id: 1, owner: 'alice', ip: '172.17.0.2', ports: [8000] })]]);
  const listeners = new Set<JobListener>();
  const calls = { get: 0, auth: 0 };
  let beforeGetAnswers: (() => void) | null = null;
  const service = {
    async get(_caller: Caller, id: number) {
      calls.get++;
      const job = jobs.get(id);
      beforeGetAnswers?.();
      if (!job) throw new JobNotFoundError(id);
      return job;
    },
    subscribe(_caller: Caller, l: JobListener) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  } as unknown as JobService;
  const tokens: Record<string, Caller> = { a: { user: 'alice', admin: false }, b: { user: 'bob', admin: false }, root: { user: 'root', admin: true } };
  const auth: AuthService = {
    async authenticate(token) {
      calls.auth++;
      return tokens[token] ?? null;
    },
    async ensureAdminToken() {},
  };
  const change = (job: Job) => {
    jobs.set(job.id, job);
    for (const l of listeners) l.updated(job);
  };
  return { jobs, service, auth, tokens, calls, change, listeners, onGet: (fn: () => void) => (beforeGetAnswers = fn) };
}

describe('createProxyAccess', () => {
  const alice: Caller = { user: 'alice', admin: false };
  const bob: Caller = { user: 'bob', admin: false };
  const root: Caller = { user: 'root', admin: true };

  it('lets the owner and admins see a job, and nobody else', async () => {
    const w = world();
    const access = createProxyAccess({ jobs: w.service, auth: w.auth });
    expect((await access.job(alice, 1))?.id).toBe(1);
    expect((await access.job(root, 1))?.id).toBe(1);
    expect(await access.job(bob, 1)).toBeNull();
    expect(await access.job(alice, 2)).toBeNull();
  });

  it('reads a job once, then follows its changes and its removal', async () => {
    const w = world();
    const access = createProxyAccess({ jobs: w.service, auth: w.auth });
    await access.job(alice, 1);
    w.change(makeJob({ id: 1, owner: 'alice', status: 'exited', ip: null, ports: [8000] }));
    expect(await access.job(alice, 1)).toMatchObject({ status: 'exited', ip: null });
    expect(w.calls.get).toBe(1);
    for (const l of w.listeners) l.removed(1);
    w.jobs.delete(1);
    expect(await access.job(alice, 1)).toBeNull();
  });

  it('a change that arrives while the job is being read wins over the read', async () => {
    const w = world();
    const access = createProxyAccess({ jobs: w.service, auth: w.auth });
    w.onGet(() => {
      w.onGet(() => {});
      w.change(makeJob({ id: 1, owner: 'alice', status: 'running', ip: '172.17.0.9', ports: [8000] }));
    });
    // The read answers with the address from before the change; the change is what counts.
    const job = await access.job(alice, 1);
    expect(job?.ip).toBe('172.17.0.9');
    expect((await access.job(alice, 1))?.ip).toBe('172.17.0.9');
  });

  it('reuses a token check for its TTL only, and stops listening when closed', async () => {
    const w = world();
    let t = 0;
    const access = createProxyAccess({ jobs: w.service, auth: w.auth }, { tokenTtlMs: 5000, now: () => t });
    expect(await access.caller('a')).toEqual(alice);
    expect(await access.caller('nope')).toBeNull();
    t = 4999;
    await access.caller('a');
    expect(w.calls.auth).toBe(2);
    delete w.tokens.a; // revoked
    t = 5000;
    expect(await access.caller('a')).toBeNull();
    access.close();
    expect(w.listeners.size).toBe(0);
  });
});
