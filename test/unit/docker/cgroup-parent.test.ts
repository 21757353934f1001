// The per-job parent cgroup over fixture trees laid out as the kernel shows them (cgroup v1 with one
// hierarchy per controller as on this host, and cgroup v2 with the cgroupfs driver): the limits are
// written, read back and judged (the CPU quota once the container has started); removal clears every
// hierarchy.
import { mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { devNumber } from '../../../server/adapters/docker/block-device.js';
import { cfsQuota, createCgroupParents, jobIdOfParent, parentName } from '../../../server/adapters/docker/cgroup-parent.js';
import { createEnforcementChecker } from '../../../server/adapters/docker/enforcement.js';
import { createJobCgroups } from '../../../server/adapters/docker/job-cgroups.js';
import { silentLogger, testJob } from '../../support/docker.js';
import { waitFor } from '../../support/wait.js';

const temps: string[] = [];
afterAll(async () => Promise.all(temps.map((t) => rm(t, { recursive: true, force: true }))));

/** A host whose Docker data sits on disk vda with the given scheduler; returns the cgroup root. */
async function host(scheduler: string) {
  const dir = await mkdtemp(path.join(tmpdir(), 'cjm-parent-'));
  temps.push(dir);
  const dataRoot = path.join(dir, 'docker-root');
  await mkdir(dataRoot);
  await mkdir(path.join(dir, 'sys/devices/virtual/block/vda'), { recursive: true });
  await mkdir(path.join(dir, 'sys/block/vda/queue'), { recursive: true });
  await writeFile(path.join(dir, 'sys/block/vda/queue/scheduler'), scheduler);
  await mkdir(path.join(dir, 'sys/dev/block'), { recursive: true });
  await symlink('../../devices/virtual/block/vda', path.join(dir, 'sys/dev/block', devNumber((await stat(dataRoot)).dev)));
  const cgroupRoot = path.join(dir, 'cgroup');
  const checker = createEnforcementChecker({ logger: silentLogger, dataRoot: async () => dataRoot }, { cgroupRoot, sysBlockRoot: path.join(dir, 'sys/block'), procRoot: path.join(dir, 'proc') });
  return { cgroupRoot, checker };
}

/** What the kernel puts in a new cgroup directory (a fixture tree has to pre-create it). */
async function kernelDefaults(dir: string, files: Record<string, string>) {
  await mkdir(dir, { recursive: true });
  for (const [file, value] of Object.entries(files)) await writeFile(path.join(dir, file), value);
}

const read = (file: string) => readFile(file, 'utf8').then((t) => t.trim());
const job = testJob({ id: 42, cpus: 0.5, memoryMb: 64, pidsLimit: 77, ioWeight: 700 });

describe('per-job parent cgroup', () => {
  it('cgroup v1: memory, pids and bfq weight written before any container exists; the CPU quota after start; all read back and verified', async () => {
    const { cgroupRoot, checker } = await host('mq-deadline kyber [bfq] none');
    const name = parentName(42, 'inst');
    for (const h of ['cpu', 'memory', 'pids', 'blkio', 'cpuset', 'unified']) await mkdir(path.join(cgroupRoot, h), { recursive: true });
    await kernelDefaults(path.join(cgroupRoot, 'memory', name), { 'memory.memsw.limit_in_bytes': '9223372036854771712' });
    await kernelDefaults(path.join(cgroupRoot, 'blkio', name), { 'blkio.bfq.weight': '100' });
    await kernelDefaults(path.join(cgroupRoot, 'cpu', name), { 'cpu.cfs_quota_us': '-1', 'cpu.cfs_period_us': '100000' });
    const parents = createCgroupParents({ cgroupRoot, version: 1, instance: 'inst' });

    const prepared = await parents.prepare(job);
    // Before start the quota is left alone: it would hold runc's own setup of the container to the job's share.
    expect(await read(path.join(cgroupRoot, 'cpu', name, 'cpu.cfs_quota_us'))).toBe('-1');
    expect(await checker.verifyCgroup(job, prepared, true)).toEqual({ cpus: false, memory: true, pids: true, ioWeight: true, note: 'cpu quota reads unlimited or unreadable, expected 0.5' });
    const cgroup = await parents.limitCpu(prepared, job);
    expect(await checker.verifyCgroup(job, cgroup, true)).toEqual({ cpus: true, memory: true, pids: true, ioWeight: true });
    expect(await read(path.join(cgroupRoot, 'cpu', name, 'cpu.cfs_quota_us'))).toBe('50000');
    expect(await read(path.join(cgroupRoot, 'memory', name, 'memory.limit_in_bytes'))).toBe(String(64 * 1048576));
    expect(await read(path.join(cgroupRoot, 'memory', name, 'memory.memsw.limit_in_bytes'))).toBe(String(64 * 1048576));
    expect(await read(path.join(cgroupRoot, 'pids', name, 'pids.max'))).toBe('77');
    expect(await read(path.join(cgroupRoot, 'blkio', name, 'blkio.bfq.weight'))).toBe('700');
    // Made in the hierarchies runc would otherwise make it in at start, too.
    for (const h of ['cpuset', 'unified']) expect(await readdir(path.join(cgroupRoot, h))).toEqual([name]);
    expect(await parents.list()).toEqual([name]);
  });

  it('cgroup v1: removal clears the parent in every hierarchy runc made it in (cpuset, unified too); list finds it in any', async () => {
    const { cgroupRoot } = await host('[bfq]');
    const name = parentName(42, 'inst');
    // rmdir of a real cgroup ignores its files; a fixture's directories are made empty.
    for (const h of ['cpu', 'memory', 'pids', 'blkio', 'cpuset', 'unified']) await mkdir(path.join(cgroupRoot, h, name), { recursive: true });
    await mkdir(path.join(cgroupRoot, 'pids', parentName(43, 'other')));
    const parents = createCgroupParents({ cgroupRoot, version: 1, instance: 'inst' });
    expect(await parents.list()).toEqual([name]);
    expect(await parents.remove(name)).toBe(true);
    for (const h of ['cpu', 'memory', 'blkio', 'cpuset', 'unified']) expect(await readdir(path.join(cgroupRoot, h))).toEqual([]);
    expect(await readdir(path.join(cgroupRoot, 'pids'))).toEqual([parentName(43, 'other')]);
    expect(await parents.list()).toEqual([]);
  });

  it('cgroup v1 without swap accounting: memory verified, the note says swap could not be', async () => {
    const { cgroupRoot, checker } = await host('[bfq]');
    const parents = createCgroupParents({ cgroupRoot, version: 1 });
    await kernelDefaults(path.join(cgroupRoot, 'blkio', parentName(42)), { 'blkio.bfq.weight': '100' });
    const enforced = await checker.verifyCgroup(job, await parents.limitCpu(await parents.prepare(job), job), true);
    expect(enforced).toMatchObject({ cpus: true, memory: true, pids: true, ioWeight: true });
    expect(enforced.note).toBe('swap limit not verifiable (no memory.memsw.limit_in_bytes: kernel without swap accounting)');
  });

  it('cgroup v2 (cgroupfs driver): controllers handed down, limits and io.bfq.weight verified', async () => {
    const { cgroupRoot, checker } = await host('[bfq] none');
    await kernelDefaults(cgroupRoot, { 'cgroup.controllers': 'cpuset cpu io memory hugetlb pids rdma misc' });
    const name = parentName(42);
    await kernelDefaults(path.join(cgroupRoot, name), { 'memory.swap.max': 'max', 'io.bfq.weight': 'default 100', 'cgroup.subtree_control': '', 'cpu.max': 'max 100000' });
    const parents = createCgroupParents({ cgroupRoot, version: 2 });
    const prepared = await parents.prepare(job);
    expect(await read(path.join(cgroupRoot, name, 'cpu.max'))).toBe('max 100000');
    const enforced = await checker.verifyCgroup(job, await parents.limitCpu(prepared, job), true);
    expect(enforced).toEqual({ cpus: true, memory: true, pids: true, ioWeight: true });
    expect(await read(path.join(cgroupRoot, name, 'cgroup.subtree_control'))).toBe('+cpu +memory +pids +io');
    expect(await read(path.join(cgroupRoot, name, 'cpu.max'))).toBe('50000 100000');
    expect(await read(path.join(cgroupRoot, name, 'memory.max'))).toBe(String(64 * 1048576));
    expect(await read(path.join(cgroupRoot, name, 'memory.swap.max'))).toBe('0');
    expect(await read(path.join(cgroupRoot, name, 'pids.max'))).toBe('77');
    expect(await read(path.join(cgroupRoot, name, 'io.bfq.weight'))).toBe('700');
  });

  it('cgroup v2 with io.weight only (no bfq): limits verified, IO weight not, and why', async () => {
    const { cgroupRoot, checker } = await host('[mq-deadline] none');
    await kernelDefaults(cgroupRoot, { 'cgroup.controllers': 'cpu io memory pids' });
    await kernelDefaults(path.join(cgroupRoot, parentName(42)), { 'memory.swap.max': 'max', 'io.weight': 'default 100' });
    const parents = createCgroupParents({ cgroupRoot, version: 2 });
    const enforced = await checker.verifyCgroup(job, await parents.limitCpu(await parents.prepare(job), job), true);
    expect(enforced).toMatchObject({ cpus: true, memory: true, pids: true, ioWeight: false });
    expect(enforced.note).toContain('io.weight, which only the iocost controller honours');
  });

  it('a cgroup that cannot be made is an error the runtime turns into "not verified"', async () => {
    const { cgroupRoot } = await host('[bfq]');
    await writeFile(cgroupRoot, 'not a directory');
    await expect(createCgroupParents({ cgroupRoot, version: 2 }).prepare(job)).rejects.toThrow(/ENOTDIR|EEXIST/);
  });

  it('names: per job, per instance; only this server\'s parents are recognised', () => {
    expect(parentName(7)).toBe('cjm-job-7');
    expect(parentName(7, 'cjm_test')).toBe('cjm-cjm_test-job-7');
    expect(jobIdOfParent('cjm-cjm_test-job-7', 'cjm_test')).toBe(7);
    expect(jobIdOfParent('cjm-other-job-7', 'cjm_test')).toBeNull();
    expect(jobIdOfParent('cjm-job-7x')).toBeNull();
    expect(jobIdOfParent('docker')).toBeNull();
  });

  it('the CFS quota rounds as Docker does, so the container never asks more than its parent', () => {
    expect(cfsQuota(0.5)).toBe(50_000);
    expect(cfsQuota(0.333)).toBe(33_300);
    expect(cfsQuota(0.01)).toBe(1000);
    expect(cfsQuota(1.23456789)).toBe(123_456);
  });
});

describe('job cgroups: removal', () => {
  const setup = async () => {
    const { cgroupRoot } = await host('[bfq]');
    const name = parentName(42, 'inst');
    for (const h of ['cpu', 'memory', 'pids', 'blkio']) await mkdir(path.join(cgroupRoot, h, name), { recursive: true });
    // The container's own cgroup, which runc has not removed yet: the parent is busy.
    await mkdir(path.join(cgroupRoot, 'memory', name, 'container'));
    const cgroups = createJobCgroups({ logger: silentLogger, cgroupDriver: async () => 'cgroupfs' }, { cgroupRoot, instance: 'inst' });
    const gone = async () => (await readdir(path.join(cgroupRoot, 'memory'))).length === 0;
    return { cgroupRoot, name, cgroups, gone };
  };

  it('a parent still busy when its container goes is removed once runc lets go, without waiting for a reconcile', async () => {
    const { cgroupRoot, name, cgroups, gone } = await setup();
    await cgroups.remove(`/${name}`);
    expect(await gone()).toBe(false);
    await rm(path.join(cgroupRoot, 'memory', name, 'container'), { recursive: true });
    await waitFor('the parent to go', gone, 5000);
  });

  it('is left alone once a create of the same job has begun (that create owns the parent again)', async () => {
    const { cgroupRoot, name, cgroups, gone } = await setup();
    await cgroups.remove(`/${name}`);
    await cgroups.creating(42, async () => undefined);
    await rm(path.join(cgroupRoot, 'memory', name, 'container'), { recursive: true });
    await new Promise((r) => setTimeout(r, 2500));
    expect(await gone()).toBe(false);
  });
});
