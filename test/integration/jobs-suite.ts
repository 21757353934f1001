// The jobs suite, end to end over a real socket against either runtime: the machine's dockerd
// (jobs.test.ts) or a private two-node swarm (swarm/jobs-swarm.test.ts), real MariaDB, the busybox
// image. A test of something swarm does differently by design is defined for the docker runtime only
// (`exceptSwarm`, naming the README's "What differs" entry); what swarm does instead is tested in
// swarm/swarm-jobs.test.ts.
import { readFile } from 'node:fs/promises';
import Docker from 'dockerode';
import { beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, RpcError, type JobSpecInput } from '../../server/protocol/index.js';
import { disksFor } from '../../server/adapters/docker/block-device.js';
import type { RuntimeTarget } from '../support/runtime-target.js';
import { withServerAndClient } from '../support/server-and-client.js';
import { rpcError, uniqueName, waitFor, waitForJob } from '../support/wait.js';

export function jobsSuite(target: RuntimeTarget): void {
  const swarm = target.name === 'swarm';
  const { api } = withServerAndClient({ server: () => ({ env: target.serverEnv() }) });
  /** A test of what swarm does differently by design (`why`): not defined there, so never counted. */
  const exceptSwarm = (_why: string) => (name: string, fn: () => Promise<void>, timeout?: number) => {
    if (!swarm) it(name, fn, timeout);
  };
  /** This host's facts, found rather than assumed: the disk under Docker's data root and its scheduler. */
  let disk: string;
  let diskOnBfq: boolean;
  let cgroupDriver: string;

  const spec = (over: Partial<JobSpecInput> & { name?: string } = {}): JobSpecInput => ({
    name: uniqueName('it'),
    image: 'busybox:latest',
    cmd: 'echo hello',
    cpus: 0.5,
    memoryMb: 64,
    ...over,
  });

  beforeAll(async () => {
    if (swarm) return;
    const info = (await new Docker().info()) as { DockerRootDir: string; CgroupDriver: string };
    cgroupDriver = info.CgroupDriver;
    const disks = await disksFor(info.DockerRootDir, { sysBlockRoot: '/sys/block' });
    expect(disks, `the disk under ${info.DockerRootDir}`).toHaveLength(1);
    disk = disks![0]!;
    diskOnBfq = (await readFile(`/sys/block/${disk}/queue/scheduler`, 'utf8')).includes('[bfq]');
  });

  describe('the original project\'s examples', () => {
    it('hello + sleep: pending, then running, then exited 0 (completed), output kept', async () => {
      const created = await api.call('job.create', spec({ cmd: 'echo hello from cjm; sleep 2' }));
      expect(created.status).toBe('pending');
      expect(created.id).toBeGreaterThan(0);
      await waitForJob(api, created.id, (j) => j.status === 'running');
      const done = await waitForJob(api, created.id, (j) => j.status === 'exited');
      expect(done).toMatchObject({ reason: 'completed', exitCode: 0 });
      expect(Date.parse(done.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(done.startedAt!) + 1500);
      const logs = await api.call('job.logs', { id: created.id });
      expect(logs.text).toContain('hello from cjm');
      expect(logs).not.toHaveProperty('chunks'); // the tail goes out once, as v1's text
      const split = await api.call('job.logs', { id: created.id, chunks: true });
      expect(split.chunks).toEqual([{ stream: 'stdout', text: logs.text }]);
      expect(split).not.toHaveProperty('text');
    });

    exceptSwarm('a swarm job\'s address is on its owner\'s overlay, which the host is not on (cjm does not proxy swarm jobs)')('an HTTP server stays running and answers on its owner\'s network', async () => {
      const job = await api.call('job.create', spec({ cmd: 'mkdir -p /www && echo served-by-cjm > /www/index.html && httpd -f -p 8000 -h /www' }));
      const running = await waitForJob(api, job.id, (j) => j.status === 'running');
      const { docker, id } = await target.container(running);
      const info = await docker.getContainer(id).inspect();
      // Its owner's own network (cjm-u-<hash>), never Docker's shared default bridge.
      const [network, ...others] = Object.entries(info.NetworkSettings.Networks);
      expect(others).toEqual([]);
      expect(network?.[0]).toMatch(/^cjm-u-[0-9a-f]{11}$/);
      const ip = network?.[1].IPAddress;
      const body = await waitFor('httpd to answer', async () => {
        try {
          return await (await fetch(`http://${ip}:8000/`)).text();
        } catch {
          return null;
        }
      }, 10_000);
      expect(body).toContain('served-by-cjm');
      await new Promise((r) => setTimeout(r, 1000));
      expect((await api.call('job.get', { id: job.id })).status).toBe('running');
      await api.call('job.remove', { id: job.id });
    });

    it('a date loop keeps printing', async () => {
      const job = await api.call('job.create', spec({ cmd: 'while true; do date; sleep 1; done' }));
      await waitForJob(api, job.id, (j) => j.status === 'running');
      const text = await waitFor('three dates', async () => {
        const { text } = await api.call('job.logs', { id: job.id });
        return text && text.trim().split('\n').length >= 3 ? text : null;
      }, 15_000);
      expect(text).toMatch(/\d\d:\d\d:\d\d/);
      await api.call('job.remove', { id: job.id });
    });
  });

  describe('limits and defaults', () => {
    it('are in the container\'s cgroup, in docker inspect and reported as enforced', async () => {
      const job = await api.call('job.create', spec({ cmd: 'sleep 30', cpus: 0.5, memoryMb: 48, pidsLimit: 64, ioWeight: 300, ...target.onInspectableNode }));
      const running = await waitForJob(api, job.id, (j) => j.status === 'running');
      const { docker, id } = await target.container(running);
      const info = await docker.getContainer(id).inspect();
      expect(info.HostConfig.NanoCpus).toBe(500_000_000);
      expect(info.HostConfig.Memory).toBe(48 * 1024 * 1024);
      expect(info.HostConfig.PidsLimit).toBe(64);
      expect(info.HostConfig.CapDrop).toContain('NET_RAW');
      expect(info.HostConfig.Init).toBe(true);
      expect(info.HostConfig.Privileged).toBe(false);
      expect(info.Mounts).toEqual([]);
      expect(info.Config.Labels).toMatchObject({ 'cjm.managed': 'true', 'cjm.job-id': String(job.id) });
      if (swarm) {
        // README "What differs": no swap limit and no no-new-privileges for services on Docker 20.10,
        // and no IO weight in swarm; the limits are read back from the task's cgroup on the manager.
        expect(running.enforced).toMatchObject({ cpus: true, pids: true, ioWeight: false });
        expect(running.enforced!.note).toMatch(/IO weight has no swarm equivalent/);
      } else {
        expect(info.HostConfig.MemorySwap).toBe(48 * 1024 * 1024);
        expect(info.HostConfig.SecurityOpt).toContain('no-new-privileges');
        // IO weight holds exactly when the disk is on bfq; otherwise the note names the disk's scheduler.
        expect(running.enforced).toMatchObject({ cpus: true, memory: true, pids: true, ioWeight: diskOnBfq });
        if (!diskOnBfq) expect(running.enforced!.note).toContain(`disk ${disk} uses `);
      }
      await api.call('job.remove', { id: job.id });
    });

    exceptSwarm('swarm makes and starts the task\'s container itself, so a job that ends at once is gone before cjm can read its cgroup')('cgroupfs driver (CI): a job that ends at once (echo hi) has its limits read back all the same', async () => {
      expect(cgroupDriver, 'this test is for hosts with the cgroupfs driver').toBe('cgroupfs');
      const job = await api.call('job.create', spec({ cmd: 'echo hi' }));
      const done = await waitForJob(api, job.id, (j) => j.status === 'exited');
      expect(done.enforced).toMatchObject({ cpus: true, memory: true, pids: true, ioWeight: diskOnBfq });
      expect(done.enforced!.note ?? '').not.toMatch(/cpu|memory|pids|HostConfig/);
    });

    it('a job past its memory ends exited/oom_killed with exit 137 (every time: Docker may report the exit before the oom)', async () => {
      // On swarm, only the manager's daemon tells an OOM kill from another 137 (README, What differs).
      const jobs = await Promise.all(Array.from({ length: 4 }, () => api.call('job.create', spec({ cmd: 'tail /dev/zero', memoryMb: 16, ...target.onInspectableNode }))));
      for (const job of jobs) {
        const done = await waitForJob(api, job.id, (j) => j.status === 'exited', 30_000);
        expect(done).toMatchObject({ reason: 'oom_killed', exitCode: 137 });
      }
    });

    it('a kill from outside (not OOM, not cjm) is failed with 137', async () => {
      const job = await api.call('job.create', spec({ cmd: 'sleep 300' }));
      const running = await waitForJob(api, job.id, (j) => j.status === 'running');
      const { docker, id } = await target.container(running);
      await docker.getContainer(id).kill();
      expect(await waitForJob(api, job.id, (j) => j.status === 'exited')).toMatchObject({ reason: 'failed', exitCode: 137 });
    });

    it('a non-zero exit is failed with its code', async () => {
      const job = await api.call('job.create', spec({ cmd: 'echo bad >&2; exit 3' }));
      expect(await waitForJob(api, job.id, (j) => j.status === 'exited')).toMatchObject({ reason: 'failed', exitCode: 3 });
    });

    it('timeoutSeconds stops a job that runs too long: timed_out', async () => {
      const t0 = Date.now();
      const job = await api.call('job.create', spec({ cmd: 'sleep 60', timeoutSeconds: 2 }));
      const done = await waitForJob(api, job.id, (j) => j.status === 'exited', 20_000);
      expect(done.reason).toBe('timed_out');
      expect(Date.now() - t0).toBeLessThan(15_000);
    });

    it('argv runs in exec form, with env', async () => {
      const job = await api.call('job.create', {
        name: uniqueName('argv'), image: 'busybox:latest', argv: ['sh', '-c', 'echo "x=$GREETING"'], cpus: 0.2, memoryMb: 32, env: { GREETING: 'hi there' },
      });
      expect(await waitForJob(api, job.id, (j) => j.status === 'exited' || j.status === 'error')).toMatchObject({ status: 'exited', reason: 'completed' });
      expect((await api.call('job.logs', { id: job.id })).text).toBe('x=hi there\n');
    });

    exceptSwarm('swarm offers services no "none" network: refused with -32602')('network none leaves the job only its loopback', async () => {
      const job = await api.call('job.create', spec({ cmd: 'ls /sys/class/net', network: 'none' }));
      await waitForJob(api, job.id, (j) => j.status === 'exited');
      const { text } = await api.call('job.logs', { id: job.id });
      expect(text).toContain('lo');
      expect(text).not.toContain('eth0');
    });

    it('a program that cannot be executed ends failed with 127 and a log that names it', async () => {
      const job = await api.call('job.create', { name: uniqueName('noexec'), image: 'busybox:latest', argv: ['/no/such/program'], cpus: 0.1, memoryMb: 16 });
      // The job's init (tini) execs the program: the failure is its message on stderr and exit 127.
      const done = await waitForJob(api, job.id, (j) => j.status === 'error' || j.status === 'exited');
      expect(done).toMatchObject({ status: 'exited', reason: 'failed', exitCode: 127 });
      const logs = await api.call('job.logs', { id: job.id });
      expect(logs.text).toMatch(/exec \/no\/such\/program failed: No such file or directory/);
    });

    it('a missing image ends in error naming the image', async () => {
      const job = await api.call('job.create', spec({ image: '127.0.0.1:5999/nope/missing:1' }));
      const done = await waitForJob(api, job.id, (j) => j.status === 'error', 60_000);
      expect(done.reason).toContain('127.0.0.1:5999/nope/missing:1');
    });

    it('refuses a job larger than the whole capacity with 4029 naming the numbers, a malformed limit with -32602 naming the field', async () => {
      const e = await rpcError(api.call('job.create', spec({ cpus: 999 })));
      expect(e.code).toBe(ErrorCode.QuotaExceeded);
      expect(e.message).toMatch(swarm ? /cpus 999 > [\d.]+ \(the swarm's ready nodes' CPUs\)/ : /cpus 999 > \d+ \(the host's CPUs\)/);
      const malformed = await rpcError(api.call('job.create', spec({ cpus: 5000 })));
      expect(malformed.code).toBe(ErrorCode.InvalidParams);
      expect(malformed.data).toMatchObject({ field: 'cpus' });
    });
  });

  describe('stop, refresh, remove', () => {
    it('stop ends a running job as exited/stopped, keeps the container (docker) or releases it (swarm), and is idempotent', async () => {
      const job = await api.call('job.create', spec({ cmd: 'trap "exit 0" TERM; while true; do sleep 1; done' }));
      const running = await waitForJob(api, job.id, (j) => j.status === 'running');
      // The answer is the job stopping; the final state follows.
      expect(await api.call('job.stop', { id: job.id, timeoutSeconds: 5 })).toMatchObject({ status: 'running', progress: 'stopping' });
      const stopped = await waitForJob(api, job.id, (j) => j.status === 'exited', 15_000);
      expect(stopped).toMatchObject({ status: 'exited', reason: 'stopped' });
      if (target.keepsFinished) expect(await target.exists(running)).toBe(true);
      else await waitFor("the job's service removed", async () => !(await target.exists(running)), 10_000);
      expect(await api.call('job.stop', { id: job.id })).toMatchObject({ status: 'exited', reason: 'stopped' });
      expect(await api.call('job.refresh', { id: job.id })).toMatchObject({ status: 'exited', reason: 'stopped' });
    });

    it('a container removed behind cjm\'s back makes the job exited/lost', async () => {
      const job = await api.call('job.create', spec({ cmd: 'sleep 300' }));
      const running = await waitForJob(api, job.id, (j) => j.status === 'running');
      await target.removeBehindBack(running);
      expect(await waitForJob(api, job.id, (j) => j.status === 'exited')).toMatchObject({ reason: 'lost' });
    });

    it('remove deletes container and record; the id is then unknown', async () => {
      const job = await api.call('job.create', spec({ cmd: 'sleep 300' }));
      const running = await waitForJob(api, job.id, (j) => j.status === 'running');
      expect(await api.call('job.remove', { id: job.id })).toEqual({ id: job.id, removed: true });
      expect(await target.exists(running)).toBe(false);
      expect((await rpcError(api.call('job.get', { id: job.id }))).code).toBe(ErrorCode.JobNotFound);
      expect((await rpcError(api.call('job.logs', { id: job.id }))).code).toBe(ErrorCode.JobNotFound);
    });

    it('unknown ids are 4004 for every method', async () => {
      for (const method of ['job.get', 'job.refresh', 'job.stop', 'job.kill', 'job.remove', 'job.logs', 'job.stats'] as const) {
        expect((await rpcError(api.call(method, { id: 987654321 }))).code, method).toBe(ErrorCode.JobNotFound);
      }
    });
  });

  describe('names', () => {
    it('concurrent creates with one name: exactly one wins, the rest get 4009, nothing left behind', async () => {
      const name = uniqueName('race');
      const results = await Promise.allSettled(Array.from({ length: 10 }, () => api.call('job.create', spec({ name, cmd: 'sleep 5' }))));
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost.map((r) => (r.reason as RpcError).code)).toEqual(Array(9).fill(ErrorCode.NameTaken));
      const { jobs } = await api.call('job.list', { search: name });
      expect(jobs).toHaveLength(1);
      const id = jobs[0]!.id;
      await waitForJob(api, id, (j) => j.status !== 'pending');
      expect(await target.countNamed(name)).toBe(1);
    });
  });

  describe('listing', () => {
    it('pages newest first with a cursor, and filters by status and search', async () => {
      const prefix = uniqueName('page');
      const made: number[] = [];
      for (let i = 0; i < 5; i++) made.push((await api.call('job.create', spec({ name: `${prefix}-${i}`, cmd: 'true' }))).id);
      const first = await api.call('job.list', { search: prefix, limit: 2, count: true });
      expect(first.jobs.map((j) => j.id)).toEqual([made[4], made[3]]);
      expect(first.nextCursor).not.toBeNull();
      expect(first).toMatchObject({ total: 5, totalCapped: false });
      const second = await api.call('job.list', { search: prefix, limit: 2, cursor: first.nextCursor, count: true });
      expect(second.jobs.map((j) => j.id)).toEqual([made[2], made[1]]);
      expect(second.total).toBe(5);
      const third = await api.call('job.list', { search: prefix, limit: 2, cursor: second.nextCursor });
      expect(third.jobs.map((j) => j.id)).toEqual([made[0]]);
      expect(third.nextCursor).toBeNull();
      for (const id of made) await waitForJob(api, id, (j) => j.status === 'exited');
      const exited = await api.call('job.list', { search: prefix, status: 'exited', count: true });
      expect(exited.jobs).toHaveLength(5);
      expect(exited.total).toBe(5);
      expect(await api.call('job.list', { search: prefix, status: 'running', count: true })).toMatchObject({ jobs: [], total: 0 });
      expect((await rpcError(api.call('job.list', { cursor: 'abc' }))).data).toMatchObject({ field: 'cursor' });
    });
  });

  describe('system', () => {
    it('system.info reports Docker, capacity and enforcement', async () => {
      const info = await api.call('system.info', {});
      expect(info.docker.version).toMatch(/^\d+\./);
      expect(info.capacity.cpus).toBeGreaterThan(0);
      expect(info.capacity.memoryMb).toBeGreaterThan(100);
      expect(info.enforcement).toMatchObject({ cpus: true, memory: true, pids: true });
    });

    it('job.updated notifications follow a job through its states in order', async () => {
      const seen: string[] = [];
      const off = api.on('job.updated', ({ job }) => {
        if (job.name.startsWith('events-')) seen.push(job.status);
      });
      await api.call('events.subscribe', {});
      const job = await api.call('job.create', spec({ name: uniqueName('events'), cmd: 'sleep 1' }));
      await waitForJob(api, job.id, (j) => j.status === 'exited');
      await waitFor('exited notification', async () => seen.includes('exited'));
      off();
      const order = seen.filter((s, i) => s !== seen[i - 1]);
      expect(order).toEqual(['pending', 'running', 'exited']);
    });
  });
}
