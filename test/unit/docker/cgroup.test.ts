import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readCgroup } from '../../../server/adapters/docker/cgroup-io.js';
import { checkLimits } from '../../../server/adapters/docker/cgroup-limits.js';
import { locateCgroup, parseProcCgroup } from '../../../server/adapters/docker/cgroup-paths.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const proc = (name: string) => readFileSync(`${fixture(name)}/proc-cgroup.txt`, 'utf8');
const id1 = '4bc6676279a8739dd0380f2ecbf9244baa20c8a5cda6f69448f49b8a4fdae7b0';
const id2 = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';

describe('locating a container cgroup from /proc/<pid>/cgroup', () => {
  it('parses the lines', () => {
    expect(parseProcCgroup('3:cpu,cpuacct:/docker/x\n0::/\n1:name=systemd:/a')).toEqual([
      { controllers: ['cpu', 'cpuacct'], path: '/docker/x' },
      { controllers: [], path: '/' },
      { controllers: ['name=systemd'], path: '/a' },
    ]);
  });

  it('v1 cgroupfs driver, controllers mounted alone (this host)', () => {
    const loc = locateCgroup(proc('cgroup-v1'), '/sys/fs/cgroup', false)!;
    expect(loc.version).toBe(1);
    expect(loc.dirs.cpu).toEqual([`/sys/fs/cgroup/cpu/docker/${id1}`]);
    expect(loc.dirs.blkio).toEqual([`/sys/fs/cgroup/blkio/docker/${id1}`]);
  });

  it('v1 with cpu,cpuacct joined tries the joined mount, then the symlink', () => {
    const loc = locateCgroup(proc('cgroup-v1-joined'), '/sys/fs/cgroup', false)!;
    expect(loc.dirs.cpu).toEqual([`/sys/fs/cgroup/cpu,cpuacct/docker/${id1}`, `/sys/fs/cgroup/cpu/docker/${id1}`]);
  });

  it('v2 systemd driver', () => {
    const loc = locateCgroup(proc('cgroup-v2-systemd'), '/sys/fs/cgroup', true)!;
    expect(loc).toMatchObject({ version: 2 });
    expect(loc.dirs.memory).toEqual([`/sys/fs/cgroup/system.slice/docker-${id2}.scope`]);
  });

  it('null when the process is gone (empty text)', () => {
    expect(locateCgroup('', '/sys/fs/cgroup', false)).toBeNull();
    expect(locateCgroup('', '/sys/fs/cgroup', true)).toBeNull();
  });
});

describe('limits read back from fixture trees', () => {
  it('v1: everything in effect', async () => {
    const cg = (await readCgroup(proc('cgroup-v1'), `${fixture('cgroup-v1')}/root`))!;
    expect(cg.version).toBe(1);
    expect(cg.values['blkio.bfq.weight']).toBe('100');
    expect(checkLimits(1, cg.values, { cpus: 0.5, memoryMb: 64, pidsLimit: 64 })).toEqual({ cpus: true, memory: true, pids: true, notes: [] });
  });

  it('v1: a wrong value is not enforced and says what it read', async () => {
    const cg = (await readCgroup(proc('cgroup-v1'), `${fixture('cgroup-v1')}/root`))!;
    const check = checkLimits(1, cg.values, { cpus: 1, memoryMb: 128, pidsLimit: 10 });
    expect(check).toMatchObject({ cpus: false, memory: false, pids: false });
    expect(check.notes.join('; ')).toContain('memory.limit_in_bytes reads 67108864, expected 134217728');
  });

  it('v1 joined mounts, no swap accounting', async () => {
    const cg = (await readCgroup(proc('cgroup-v1-joined'), `${fixture('cgroup-v1-joined')}/root`))!;
    const check = checkLimits(1, cg.values, { cpus: 1.5, memoryMb: 256, pidsLimit: 512 });
    expect(check).toMatchObject({ cpus: true, memory: true, pids: true });
    expect(check.notes).toEqual(['swap limit not verifiable (no memory.memsw.limit_in_bytes: kernel without swap accounting)']);
  });

  it('v2 systemd driver: cpu.max, memory.max, memory.swap.max 0, pids.max', async () => {
    const cg = (await readCgroup(proc('cgroup-v2-systemd'), `${fixture('cgroup-v2-systemd')}/root`))!;
    expect(cg.version).toBe(2);
    expect(cg.values['io.bfq.weight']).toBe('default 100');
    expect(checkLimits(2, cg.values, { cpus: 0.5, memoryMb: 64, pidsLimit: 64 })).toEqual({ cpus: true, memory: true, pids: true, notes: [] });
  });

  it('v2 cgroupfs driver: unlimited cpu, swap and pids are reported as not enforced', async () => {
    const cg = (await readCgroup(proc('cgroup-v2-cgroupfs'), `${fixture('cgroup-v2-cgroupfs')}/root`))!;
    const check = checkLimits(2, cg.values, { cpus: 0.5, memoryMb: 64, pidsLimit: 64 });
    expect(check).toMatchObject({ cpus: false, memory: false, pids: false });
    expect(check.notes).toContain('memory.swap.max reads max, expected 0');
  });
});
