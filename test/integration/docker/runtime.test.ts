// The Docker runtime against the real dockerd (busybox:latest): limits read back from the host's
// cgroup, from inside the container and from docker inspect; commands; security defaults; OOM; stop;
// events; stats; and Docker-unreachable mapping.
import { createServer, type Server } from 'node:net';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disksFor, schedulersOf } from '../../../server/adapters/docker/block-device.js';
import { parentName } from '../../../server/adapters/docker/cgroup-parent.js';
import { createDockerRuntime } from '../../../server/adapters/docker/index.js';
import { ContainerStartError, DockerUnavailableError, ImageUnavailableError } from '../../../server/core/errors.js';
import type { JobRuntime, RuntimeEvent } from '../../../server/core/ports.js';
import type { Job } from '../../../server/protocol/index.js';
import { execIn, outputOf, removeTagged, silentLogger, testDocker, testJob, testRunTag, waitFor } from '../../support/docker.js';

const docker = testDocker();
const tag = testRunTag('rt');
let runtime: JobRuntime;
/** This host's cgroup layout and the scheduler of the disk under Docker's data root, found, not assumed. */
let cgroupV2: boolean;
let cgroupDriver: string;
let disk: string;
let diskOnBfq: boolean;
const job = (o: Partial<Job>) => testJob({ network: 'none', ...o }, tag);

async function run(o: Partial<Job>): Promise<{ job: Job; id: string; enforced: Awaited<ReturnType<JobRuntime['start']>>['enforced'] }> {
  const j = job(o);
  const id = await runtime.create(j);
  return { job: j, id, enforced: (await runtime.start(id, j)).enforced };
}

async function waitExit(id: string) {
  return waitFor(async () => {
    const s = await runtime.inspect(id);
    return s && !s.running ? s : undefined;
  }, 30_000);
}

beforeAll(async () => {
  await docker.ping(); // fail, not skip, when dockerd is missing
  // Own instance label: another cjm server's reconciler (if it is scoped too) leaves these alone.
  runtime = createDockerRuntime({ docker, logger: silentLogger }, { instance: tag });
  const info = (await docker.info()) as { DockerRootDir: string; CgroupDriver: string };
  cgroupDriver = info.CgroupDriver;
  cgroupV2 = await readFile('/sys/fs/cgroup/cgroup.controllers', 'utf8').then(() => true, () => false);
  const disks = await disksFor(info.DockerRootDir, { sysBlockRoot: '/sys/block' });
  expect(disks, `the disk under ${info.DockerRootDir}`).toHaveLength(1);
  disk = disks![0]!;
  diskOnBfq = (await schedulersOf([disk], { sysBlockRoot: '/sys/block' }))[0]!.scheduler?.active === 'bfq';
});
afterAll(async () => removeTagged(docker, tag));

describe('limits', () => {
  it('are in the cgroup (host and inside the container) and in docker inspect', async () => {
    const { id, enforced } = await run({ cmd: 'sleep 60', cpus: 0.5, memoryMb: 96, pidsLimit: 77, ioWeight: 300 });
    expect(enforced).toMatchObject({ cpus: true, memory: true, pids: true });
    const inspect = await docker.getContainer(id).inspect();
    const h = inspect.HostConfig;
    expect(h.NanoCpus).toBe(500_000_000);
    expect(h.Memory).toBe(96 * 1048576);
    expect(h.MemorySwap).toBe(96 * 1048576);
    expect(h.PidsLimit).toBe(77);
    expect(h.Privileged).toBe(false);
    expect(h.SecurityOpt).toEqual(['no-new-privileges']);
    expect(h.CapDrop).toEqual(['NET_RAW']);
    expect(inspect.Name).toMatch(new RegExp(`^/cjm-${tag}-\\d+-${tag}-\\d+$`));
    expect(inspect.Config.Labels).toMatchObject({ 'cjm.managed': 'true' });
    expect(inspect.Mounts).toEqual([]);

    // Every host: the limits as the process inside sees them.
    const inside = (p: string) => execIn(docker, id, ['cat', p]).then((t) => t.trim());
    if (cgroupV2) {
      expect(await inside('/sys/fs/cgroup/cpu.max')).toBe('50000 100000');
      expect(await inside('/sys/fs/cgroup/memory.max')).toBe(String(96 * 1048576));
      expect(await inside('/sys/fs/cgroup/pids.max')).toBe('77');
    } else {
      expect(await inside('/sys/fs/cgroup/cpu/cpu.cfs_quota_us')).toBe('50000');
      expect(await inside('/sys/fs/cgroup/memory/memory.limit_in_bytes')).toBe(String(96 * 1048576));
      expect(await inside('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes')).toBe(String(96 * 1048576));
      expect(await inside('/sys/fs/cgroup/pids/pids.max')).toBe('77');
    }
    // Docker discards BlkioWeight on every kernel without CFQ (all current ones).
    expect(h.BlkioWeight).toBe(0);
    await runtime.remove(id);
  });

  // cgroupfs driver (this CI host: cgroup v1; also v2 without systemd): cjm prepares a parent cgroup per job.
  it('cgroupfs driver: the job runs under its parent cgroup, which holds the limits and goes with the container', async () => {
    expect(cgroupDriver, 'this test is for hosts with the cgroupfs driver (CI)').toBe('cgroupfs');
    const { id, job: j } = await run({ cmd: 'sleep 60', cpus: 0.5, memoryMb: 96, pidsLimit: 77, ioWeight: 300 });
    const name = parentName(j.id, tag);
    expect((await docker.getContainer(id).inspect()).HostConfig.CgroupParent).toBe(`/${name}`);
    const file = (controller: string, f: string) => readFile(cgroupV2 ? `/sys/fs/cgroup/${name}/${f}` : `/sys/fs/cgroup/${controller}/${name}/${f}`, 'utf8').then((t) => t.trim());
    if (cgroupV2) {
      expect(await file('cpu', 'cpu.max')).toBe('50000 100000');
      expect(await file('memory', 'memory.max')).toBe(String(96 * 1048576));
      expect(await file('io', 'io.bfq.weight')).toMatch(/^(default )?300$/);
    } else {
      expect(await file('cpu', 'cpu.cfs_quota_us')).toBe('50000');
      expect(await file('memory', 'memory.limit_in_bytes')).toBe(String(96 * 1048576));
      expect(await file('memory', 'memory.memsw.limit_in_bytes')).toBe(String(96 * 1048576));
      expect(await file('blkio', 'blkio.bfq.weight')).toMatch(/^(default )?300$/);
      // The container's own cgroup is inside the parent.
      expect(await readFile(`/sys/fs/cgroup/pids/${name}/${id}/pids.max`, 'utf8')).toBe('77\n');
    }
    expect(await file('pids', 'pids.max')).toBe('77');
    await runtime.remove(id);
    await expect(stat(cgroupV2 ? `/sys/fs/cgroup/${name}` : `/sys/fs/cgroup/pids/${name}`)).rejects.toThrow(/ENOENT/);
  });

  it('cgroupfs driver: a parent left without its container goes on its job\'s remove, or on the next listManaged (reconcile)', async () => {
    expect(cgroupDriver, 'this test is for hosts with the cgroupfs driver (CI)').toBe('cgroupfs');
    const [a, b] = [await run({ cmd: 'true' }), await run({ cmd: 'true' })];
    const dir = (j: Job) => (cgroupV2 ? `/sys/fs/cgroup/${parentName(j.id, tag)}` : `/sys/fs/cgroup/pids/${parentName(j.id, tag)}`);
    await docker.getContainer(a.id).remove({ force: true }); // behind cjm's back
    await stat(dir(a.job));
    await runtime.remove(a.id); // job.remove of a job whose container is gone
    await expect(stat(dir(a.job))).rejects.toThrow(/ENOENT/);
    await docker.getContainer(b.id).remove({ force: true });
    await stat(dir(b.job));
    // A fresh runtime, as after a server restart.
    await createDockerRuntime({ docker, logger: silentLogger }, { instance: tag }).listManaged();
    await expect(stat(dir(b.job))).rejects.toThrow(/ENOENT/);
  });

  it(`IO weight is enforced exactly when the disk under Docker's data root is on bfq, else the note names its scheduler`, async () => {
    const { id, enforced } = await run({ cmd: 'sleep 30' });
    expect(enforced.ioWeight).toBe(diskOnBfq);
    if (!diskOnBfq) expect(enforced.note).toContain(`disk ${disk} uses `);
    await runtime.remove(id);
  });

  it('cgroupfs driver: a job that ends at once (echo hi) still has its limits read back (memory, pids, IO weight before it ran, the CPU quota just after start)', async () => {
    expect(cgroupDriver, 'this test is for hosts with the cgroupfs driver (CI)').toBe('cgroupfs');
    for (let i = 0; i < 3; i++) {
      const { id, enforced } = await run({ cmd: 'echo hi' });
      expect(enforced).toMatchObject({ cpus: true, memory: true, pids: true, ioWeight: diskOnBfq });
      // No note about cpus, memory or pids: only the IO weight's, when the disk is not on bfq.
      if (diskOnBfq) expect(enforced.note).toBeUndefined();
      else expect(enforced.note).toMatch(/^disk \S+ uses [\w-]+; IO weights need the bfq scheduler/);
      await runtime.remove(id);
    }
  });

  it('cgroupfs driver: the CPU quota holds from the command\'s first instruction (the container\'s own, set by Docker before it runs) and is in the job\'s parent once started', async () => {
    expect(cgroupDriver, 'this test is for hosts with the cgroupfs driver (CI)').toBe('cgroupfs');
    // The first thing the command does is read its own quota.
    const quotaFile = cgroupV2 ? '/sys/fs/cgroup/cpu.max' : '/sys/fs/cgroup/cpu/cpu.cfs_quota_us';
    const { job: j, id, enforced } = await run({ cmd: `cat ${quotaFile}`, cpus: 0.1 });
    expect(enforced).toMatchObject({ cpus: true });
    await waitExit(id);
    expect((await outputOf(docker, id)).stdout.trim()).toBe(cgroupV2 ? '10000 100000' : '10000');
    const parent = parentName(j.id, tag);
    const onHost = cgroupV2 ? path.join('/sys/fs/cgroup', parent, 'cpu.max') : path.join('/sys/fs/cgroup/cpu', parent, 'cpu.cfs_quota_us');
    expect((await readFile(onHost, 'utf8')).trim()).toBe(cgroupV2 ? '10000 100000' : '10000');
    await runtime.remove(id);
  });
});

describe('commands', () => {
  it('cmd runs under /bin/sh -c with shell syntax', async () => {
    const { id } = await run({ cmd: 'echo a && echo b; echo err >&2; exit 3' });
    const s = await waitExit(id);
    expect(s.exitCode).toBe(3);
    expect(await outputOf(docker, id)).toEqual({ stdout: 'a\nb\n', stderr: 'err\n' });
  });

  it('argv runs in exec form: no shell expansion', async () => {
    const { id } = await run({ cmd: null, argv: ['echo', 'a && b', '$HOME', '*'] });
    await waitExit(id);
    expect((await outputOf(docker, id)).stdout).toBe('a && b $HOME *\n');
  });

  it('env reaches the process', async () => {
    const { id } = await run({ cmd: 'echo "$GREETING-$EMPTY-$ODD"', env: { GREETING: 'hello world', EMPTY: '', ODD: 'a=b;$(x)' } });
    await waitExit(id);
    expect((await outputOf(docker, id)).stdout).toBe('hello world--a=b;$(x)\n');
  });

  it('network none has no eth0; bridge has one', async () => {
    const none = await run({ cmd: 'ls /sys/class/net', network: 'none' });
    await waitExit(none.id);
    expect((await outputOf(docker, none.id)).stdout.split(/\s+/).filter(Boolean)).toEqual(['lo']);
    const bridge = await run({ cmd: 'ls /sys/class/net', network: 'bridge' });
    await waitExit(bridge.id);
    expect((await outputOf(docker, bridge.id)).stdout).toContain('eth0');
  });

  it('security defaults: no_new_privs and no NET_RAW', async () => {
    const { id } = await run({ cmd: 'grep -E "^(NoNewPrivs|CapEff)" /proc/self/status' });
    await waitExit(id);
    const out = (await outputOf(docker, id)).stdout;
    expect(out).toMatch(/NoNewPrivs:\s+1/);
    const capEff = BigInt(`0x${/CapEff:\s+([0-9a-f]+)/.exec(out)![1]}`);
    expect(capEff & (1n << 13n)).toBe(0n); // CAP_NET_RAW
    expect(capEff & (1n << 0n)).not.toBe(0n); // CAP_CHOWN: the rest of Docker's defaults stay
  });

  it('a program that does not exist: the init says so on stderr and the container exits 127', async () => {
    // Jobs run under Docker's init (tini), which execs the program: Docker starts the container and
    // the failed exec shows as tini's message and 127, as a shell's "not found" would.
    const j = job({ cmd: null, argv: ['/no/such/program'] });
    const id = await runtime.create(j);
    await runtime.start(id, j);
    expect(await waitExit(id)).toMatchObject({ running: false, exitCode: 127 });
    const out = (await docker.getContainer(id).logs({ stdout: true, stderr: true })).toString('utf8');
    expect(out).toMatch(/exec \/no\/such\/program failed: No such file or directory/);
  });

  it('create again after an interrupted create replaces the never-started container; a started one keeps its name', async () => {
    const j = job({ cmd: 'sleep 30' });
    const first = await runtime.create(j);
    const second = await runtime.create(j);
    expect(second).not.toBe(first);
    expect(await runtime.inspect(first)).toBeNull();
    // start answers with the state it read back, so the caller needs no second inspect.
    expect((await runtime.start(second, j)).state).toMatchObject({ running: true, status: 'running' });
    const err = await runtime.create(j).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContainerStartError);
    expect((err as Error).message).toMatch(/already in use/);
    await runtime.remove(second);
  });

  it('an image that is not there is pulled by create; one that cannot be had is ImageUnavailableError naming it', async () => {
    const image = `cjm-no-such-image-${tag}:latest`;
    const err = await runtime.create(job({ image })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageUnavailableError);
    expect((err as ImageUnavailableError).image).toBe(image);
    expect((err as Error).message).toMatch(new RegExp(`^image ${image}: `));
  });
});

describe('lifecycle', () => {
  it('a memory hog is OOM-killed with exit 137', async () => {
    const { id } = await run({ cmd: 'tail /dev/zero', memoryMb: 16 });
    const s = await waitExit(id);
    expect(s).toMatchObject({ oomKilled: true, exitCode: 137, status: 'exited' });
  });

  it('stop: SIGTERM first, SIGKILL after the timeout; idempotent; gone is fine', async () => {
    const polite = await run({ cmd: 'trap "exit 3" TERM; echo trapped; sleep 300 & wait' });
    // Wait for the trap: a SIGTERM before it would end the shell with 143 instead of 3.
    await waitFor(async () => ((await outputOf(docker, polite.id)).stdout.includes('trapped') ? true : undefined));
    await runtime.stop(polite.id, 10);
    expect(await runtime.inspect(polite.id)).toMatchObject({ running: false, exitCode: 3 });

    // A command that ignores SIGTERM (the init passes it on; the shell drops it): killed after 1 s.
    const stubborn = await run({ cmd: 'trap "" TERM; echo ignoring; while true; do sleep 1; done' });
    await waitFor(async () => ((await outputOf(docker, stubborn.id)).stdout.includes('ignoring') ? true : undefined));
    const t0 = Date.now();
    await runtime.stop(stubborn.id, 1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(await runtime.inspect(stubborn.id)).toMatchObject({ running: false, exitCode: 137, oomKilled: false });

    await runtime.stop(stubborn.id, 1); // already stopped (304)
    await runtime.remove(stubborn.id);
    await runtime.remove(stubborn.id); // gone (404)
    await runtime.stop(stubborn.id, 1);
    expect(await runtime.inspect(stubborn.id)).toBeNull();
  });

  it('kill: SIGKILL now, even to a command that ignores SIGTERM; already stopped or gone is fine', async () => {
    const stubborn = await run({ cmd: 'trap "" TERM; while true; do sleep 1; done' });
    const t0 = Date.now();
    await runtime.kill(stubborn.id);
    const state = await waitExit(stubborn.id);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(state).toMatchObject({ running: false, exitCode: 137, oomKilled: false });

    await runtime.kill(stubborn.id); // not running (409)
    await runtime.remove(stubborn.id);
    await runtime.kill(stubborn.id); // gone (404)
    expect(await runtime.inspect(stubborn.id)).toBeNull();
  });

  it('the kernel log is read for a 137 cjm did not cause, and not for its own stop', async () => {
    // A stand-in kernel log that claims an OOM kill for both containers: only the outside kill asks it.
    const dir = await mkdtemp(path.join(tmpdir(), 'cjm-kmsg-'));
    try {
      const kmsg = path.join(dir, 'kmsg');
      const rt = createDockerRuntime({ docker, logger: silentLogger }, { instance: tag, kmsgPath: kmsg });
      // Ignores SIGTERM, so cjm's stop ends in its SIGKILL: a 137 that is ours.
      const j1 = job({ cmd: 'trap "" TERM; echo ready; while true; do sleep 1; done' });
      const j2 = job({ cmd: 'sleep 300' });
      const [ours, outside] = [await rt.create(j1), await rt.create(j2)];
      await rt.start(ours, j1);
      await rt.start(outside, j2);
      const record = (id: string) => `6,1,1,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),oom_memcg=/x/${id},task_memcg=/x/${id},task=sleep,pid=1,uid=0\n`;
      await writeFile(kmsg, record(ours) + record(outside));
      await waitFor(async () => ((await outputOf(docker, ours)).stdout.includes('ready') ? true : undefined));
      await rt.stop(ours, 0);
      await docker.getContainer(outside).kill();
      expect(await waitExit(outside)).toMatchObject({ exitCode: 137 });
      expect(await rt.inspect(ours)).toMatchObject({ exitCode: 137, oomKilled: false });
      expect(await rt.inspect(outside)).toMatchObject({ exitCode: 137, oomKilled: true });
      await rt.remove(ours);
      await rt.remove(outside);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('listManaged finds our containers with their job id', async () => {
    const { id, job: j } = await run({ cmd: 'exit 4' });
    expect(await waitExit(id)).toMatchObject({ running: false, exitCode: 4 });
    const list = await runtime.listManaged();
    expect(list.find((c) => c.containerId === id)).toEqual({ containerId: id, jobId: j.id });
    // Scoped to this instance: another instance sees none of them.
    const other = createDockerRuntime({ docker, logger: silentLogger }, { instance: `${tag}-other` });
    expect((await other.listManaged()).some((c) => c.containerId === id)).toBe(false);
  });

  it('stats: one sample with cpu, memory and pids', async () => {
    const { id } = await run({ cmd: 'while :; do :; done', cpus: 0.5 });
    await new Promise((r) => setTimeout(r, 1500));
    const s = await runtime.stats(id, 0.5);
    expect(s.cpuPercent).toBeGreaterThan(5); // a loaded host may give it less than its quota
    expect(s.cpuPercent).toBeLessThan(75);
    expect(s.cpuPercentOfLimit).toBeCloseTo(s.cpuPercent / 0.5, 1);
    expect(s.memoryLimitBytes).toBe(64 * 1048576);
    expect(s.pids).toBeGreaterThanOrEqual(1);
    await runtime.remove(id);
  });
});

describe('events', () => {
  it('resync at start, then start/die/oom for a managed container', async () => {
    const got: RuntimeEvent[] = [];
    const stream = runtime.events((e) => got.push(e));
    try {
      await waitFor(async () => (got.some((e) => e.type === 'resync') ? true : undefined));
      const { id, job: j } = await run({ cmd: 'tail /dev/zero', memoryMb: 16 });
      await waitFor(async () => (got.some((e) => e.type === 'die' && e.containerId === id) ? true : undefined), 30_000);
      const mine = got.filter((e) => e.type !== 'resync' && e.containerId === id);
      expect(mine[0]).toEqual({ type: 'start', containerId: id, jobId: j.id });
      expect(mine.some((e) => e.type === 'oom' && e.jobId === j.id)).toBe(true);
      expect(mine.find((e) => e.type === 'die')).toEqual({ type: 'die', containerId: id, jobId: j.id, exitCode: 137 });
      await runtime.remove(id);
      await waitFor(async () => (got.some((e) => e.type === 'destroy' && e.containerId === id) ? true : undefined));
    } finally {
      stream.close();
    }
  });
});

describe('system info', () => {
  it('reports Docker, the runtime, capacity and host enforcement', async () => {
    const info = await runtime.info();
    expect(info.docker.version).toMatch(/^\d+\.\d+/);
    expect(info.docker.apiVersion).toMatch(/^1\.\d+$/);
    expect(info.runtime).toMatch(/^runc, cgroup v[12]$/);
    expect(info.capacity.cpus).toBeGreaterThanOrEqual(1);
    expect(info.capacity.memoryMb).toBeGreaterThan(256);
    expect(info.enforcement).toMatchObject({ cpus: true, memory: true, pids: true, ioWeight: diskOnBfq });
    if (!diskOnBfq) expect(info.enforcement.note).toContain(`disk ${disk} uses `);
  });
});

describe('Docker unreachable', () => {
  let dir: string;
  let hung: Server;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cjm-dock-'));
    // A daemon that accepts connections and never answers.
    hung = createServer(() => {});
    await new Promise<void>((r) => hung.listen(path.join(dir, 'hung.sock'), r));
  });
  afterAll(async () => {
    hung.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('no socket: every call is DockerUnavailableError', async () => {
    const rt = createDockerRuntime({ docker: new Docker({ socketPath: path.join(dir, 'missing.sock') }), logger: silentLogger });
    const j = job({});
    for (const call of [() => rt.ping(), () => rt.info(), () => rt.create(j), () => rt.inspect('x'), () => rt.stop('x', 1), () => rt.kill('x'), () => rt.remove('x'), () => rt.listManaged(), () => rt.ensureImage('busybox', () => {}), () => rt.stats('x', 1)]) {
      await expect(call()).rejects.toBeInstanceOf(DockerUnavailableError);
    }
  });

  it('a daemon that answers not even a ping is DockerUnavailableError once the bound has passed', async () => {
    const rt = createDockerRuntime({ docker: new Docker({ socketPath: path.join(dir, 'hung.sock') }), logger: silentLogger }, { unreachableAfterMs: 300, pingIntervalMs: 50 });
    const t0 = Date.now();
    await expect(rt.inspect('x')).rejects.toBeInstanceOf(DockerUnavailableError);
    await expect(rt.create(job({}))).rejects.toBeInstanceOf(DockerUnavailableError);
    expect(Date.now() - t0).toBeLessThan(3000);
  });
});
