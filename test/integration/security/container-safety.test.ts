// What a job can do inside its container, seen from inside: a job created through the real server
// prints its /proc/self/status, its cgroup limits and its mount table, and we read them back.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Docker from 'dockerode';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Job, JobSpecInput } from '../../../server/protocol/index.js';
import { withServerAndClient } from '../../support/server-and-client.js';
import { uniqueName, waitFor, waitForJob } from '../../support/wait.js';

const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const { api } = withServerAndClient();

async function runToEnd(over: Partial<JobSpecInput>): Promise<{ job: Job; text: string }> {
  const job = await api.call('job.create', { name: uniqueName('sec'), image: 'busybox:latest', cpus: 0.5, memoryMb: 64, ...over } as JobSpecInput);
  const done = await waitForJob(api, job.id, (j) => j.status === 'exited' || j.status === 'error', 30_000);
  // The exit event may come before the last output is stored: wait until the end marker is there.
  const text = await waitFor('the job output', async () => {
    const logs = await api.call('job.logs', { id: job.id, tailBytes: 1024 * 1024 });
    return logs.text?.includes('=== end') ? logs.text : undefined;
  }, 10_000);
  return { job: done, text };
}

/** The text between `=== name` and the next `=== ` line. */
function section(text: string, name: string): string {
  const start = text.indexOf(`=== ${name}\n`);
  if (start < 0) throw new Error(`section ${name} missing in:\n${text}`);
  const body = '\n' + text.slice(start + name.length + 5);
  const end = body.indexOf('\n=== ');
  return (end < 0 ? body : body.slice(0, end)).trim();
}

const capBit = (hex: string, bit: number) => (BigInt(`0x${hex}`) >> BigInt(bit)) & 1n;
const CAP_NET_RAW = 13;
const CAP_SYS_ADMIN = 21;
const CAP_SYS_MODULE = 16;

// Prints everything from one job, cgroup v1 or v2 alike (missing files print nothing).
const probe = [
  'echo "=== status"; cat /proc/self/status',
  'echo "=== mountinfo"; cat /proc/self/mountinfo',
  'echo "=== cgroup"; cat /proc/self/cgroup',
  'echo "=== pids.max"; cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/pids.max 2>/dev/null',
  'echo "=== memory.limit"; cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max 2>/dev/null',
  'echo "=== memsw.limit"; cat /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes 2>/dev/null',
  'echo "=== swap.max"; cat /sys/fs/cgroup/memory.swap.max 2>/dev/null',
  'echo "=== mount"; mount -t tmpfs none /mnt 2>&1; echo "rc=$?"',
  // mknod itself is allowed (Docker keeps CAP_MKNOD); the device cgroup must refuse to open it.
  'echo "=== disk"; mknod /tmp/sda b 8 0 2>&1; head -c 1 /tmp/sda >/dev/null 2>&1; echo "rc=$?"',
  'echo "=== end"',
].join('; ');

describe('inside a job (defaults)', () => {
  let text: string;
  let job: Job;

  beforeAll(async () => {
    ({ job, text } = await runToEnd({ cmd: probe, pidsLimit: 77, memoryMb: 48 }));
  }, 60_000);

  it('ran', () => {
    expect(job).toMatchObject({ status: 'exited', exitCode: 0 });
  });

  it('has NoNewPrivs 1 and a seccomp filter', () => {
    const status = section(text, 'status');
    expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
    expect(status).toMatch(/^Seccomp:\s+2$/m);
  });

  it('has no NET_RAW (nor SYS_ADMIN, SYS_MODULE) in its effective or bounding set', () => {
    const status = section(text, 'status');
    for (const set of ['CapEff', 'CapBnd', 'CapPrm']) {
      const hex = new RegExp(`^${set}:\\s+([0-9a-f]+)$`, 'm').exec(status)?.[1];
      expect(hex, set).toBeDefined();
      expect(capBit(hex!, CAP_NET_RAW), `${set} NET_RAW`).toBe(0n);
      expect(capBit(hex!, CAP_SYS_ADMIN), `${set} SYS_ADMIN`).toBe(0n);
      expect(capBit(hex!, CAP_SYS_MODULE), `${set} SYS_MODULE`).toBe(0n);
    }
  });

  it('has the pids limit it asked for in pids.max', () => {
    expect(section(text, 'pids.max')).toBe('77');
  });

  it('cannot swap past its memory limit', () => {
    const limit = section(text, 'memory.limit');
    expect(limit).toBe(String(48 * 1024 * 1024));
    const memsw = section(text, 'memsw.limit');
    const swapMax = section(text, 'swap.max');
    // v1: memory+swap == memory; v2: swap.max 0. One of them must be there.
    expect(memsw !== '' || swapMax !== '', 'no swap control file found').toBe(true);
    if (memsw !== '') expect(memsw).toBe(limit);
    if (swapMax !== '') expect(swapMax).toBe('0');
  });

  it('has no host mounts besides Docker\'s own resolv.conf, hostname, hosts and its read-only init', () => {
    const virtual = new Set(['overlay', 'proc', 'tmpfs', 'devpts', 'sysfs', 'cgroup', 'cgroup2', 'mqueue']);
    // Docker's own files, and its init (tini, bind-mounted read-only at /sbin/docker-init for Init: true).
    const allowed = new Set(['/etc/resolv.conf', '/etc/hostname', '/etc/hosts', '/sbin/docker-init']);
    const hostMounts = section(text, 'mountinfo')
      .split('\n')
      .map((line) => {
        const [left = '', right = ''] = line.split(' - ');
        const f = left.split(' ');
        return { root: f[3] ?? '', point: f[4] ?? '', options: f[5] ?? '', fstype: right.split(' ')[0] ?? '' };
      });
    expect(hostMounts.find((m) => m.point === '/sbin/docker-init')?.options.split(',')).toContain('ro');
    const others = hostMounts.filter((m) => !virtual.has(m.fstype) && !allowed.has(m.point));
    expect(others).toEqual([]);
    // And no docker.sock anywhere: that would be root on the host.
    expect(section(text, 'mountinfo')).not.toContain('docker.sock');
  });

  it('is not privileged: mount is refused, a host disk cannot be opened', () => {
    expect(section(text, 'mount')).toMatch(/rc=[1-9]/);
    expect(section(text, 'disk')).toMatch(/rc=[1-9]/);
  });

  it('runs unprivileged in docker inspect too', async () => {
    const info = await docker.getContainer(job.containerId!).inspect();
    expect(info.HostConfig.Privileged).toBe(false);
    expect(info.HostConfig.SecurityOpt ?? []).toContain('no-new-privileges');
    expect(info.HostConfig.CapDrop ?? []).toEqual(expect.arrayContaining([expect.stringMatching(/^(CAP_)?NET_RAW$/)]));
    expect(info.HostConfig.Binds ?? []).toEqual([]);
    expect(info.HostConfig.Mounts ?? []).toEqual([]);
    expect(info.HostConfig.MemorySwap).toBe(info.HostConfig.Memory);
    expect(info.HostConfig.PidMode ?? '').toBe('');
    expect(info.HostConfig.NetworkMode).not.toBe('host');
  });
});

describe('network none', () => {
  it('has only a loopback interface', async () => {
    const { job, text } = await runToEnd({ cmd: 'echo "=== net"; cat /proc/net/dev; echo "=== end"', network: 'none' });
    expect(job.exitCode).toBe(0);
    const ifaces = section(text, 'net')
      .split('\n')
      .slice(2)
      .map((l) => l.trim().split(':')[0]);
    expect(ifaces).toEqual(['lo']);
  });
});

describe('a fork bomb', () => {
  it('is held at the pids limit, and the server keeps answering', async () => {
    const job = await api.call('job.create', {
      name: uniqueName('bomb'),
      image: 'busybox:latest',
      cmd: 'b(){ b | b & }; b; sleep 60',
      cpus: 0.5,
      memoryMb: 64,
      pidsLimit: 40,
      timeoutSeconds: 20,
    });
      const running = await waitForJob(api, job.id, (j) => j.status === 'running' || j.status === 'exited', 20_000);
    const info = await docker.getContainer(running.containerId!).inspect();
    // The container's pids cgroup, from its init process (cgroup v1 or v2).
    const cg = await readFile(`/proc/${info.State.Pid}/cgroup`, 'utf8');
    const v1 = /^[0-9]+:pids:(.*)$/m.exec(cg)?.[1];
    const v2 = /^0::(.*)$/m.exec(cg)?.[1];
    const dir = v1 !== undefined ? `/sys/fs/cgroup/pids${v1}` : `/sys/fs/cgroup${v2}`;
    let peak = 0;
    const t0 = Date.now();
    while (Date.now() - t0 < 4000) {
      peak = Math.max(peak, Number((await readFile(`${dir}/pids.current`, 'utf8').catch(() => '0')).trim()));
      const ping0 = Date.now();
      await api.call('system.ping', {});
      expect(Date.now() - ping0).toBeLessThan(1000);
      await new Promise((r) => setTimeout(r, 200));
    }
    // It did try: the kernel refused forks at the limit (pids.events counts them), in the container's
    // cgroup or in the per-job parent cgroup above it, whichever limit it met first.
    const refused = async (d: string) => Number(/^max (\d+)$/m.exec(await readFile(`${d}/pids.events`, 'utf8').catch(() => ''))?.[1] ?? 0);
    const forksRefused = (await refused(dir)) + (await refused(path.dirname(dir)));
    console.log(`fork bomb: pids.current peaked at ${peak} (limit 40), ${forksRefused} forks refused at the limit`);
    expect(forksRefused).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(40);
    await api.call('job.stop', { id: job.id, timeoutSeconds: 1 });
    expect((await waitForJob(api, job.id, (j) => j.status === 'exited', 15_000)).status).toBe('exited');
  }, 60_000);
});
