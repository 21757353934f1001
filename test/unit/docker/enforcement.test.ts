// The start() read-back over fixture cgroup/sysfs/proc trees (copied to a temp dir, because the
// checker writes the IO weight).
import { cp, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { devNumber } from '../../../server/adapters/docker/block-device.js';
import { blkioDiscarded, createEnforcementChecker } from '../../../server/adapters/docker/enforcement.js';
import { silentLogger, testJob } from '../../support/docker.js';

const fixtures = fileURLToPath(new URL('./fixtures', import.meta.url));
const temps: string[] = [];
afterAll(async () => Promise.all(temps.map((t) => rm(t, { recursive: true, force: true }))));

async function host(tree: string, scheduler: string) {
  const dir = await mkdtemp(path.join(tmpdir(), 'cjm-enf-'));
  temps.push(dir);
  await cp(path.join(fixtures, tree, 'root'), path.join(dir, 'cgroup'), { recursive: true });
  await mkdir(path.join(dir, 'proc/4242'), { recursive: true });
  await cp(path.join(fixtures, tree, 'proc-cgroup.txt'), path.join(dir, 'proc/4242/cgroup'));
  // Docker's data root lives in the temp dir; sysfs maps its device number to a disk "vda".
  const dataRoot = path.join(dir, 'docker-root');
  await mkdir(dataRoot);
  await mkdir(path.join(dir, 'sys/devices/virtual/block/vda'), { recursive: true });
  await mkdir(path.join(dir, 'sys/block/vda/queue'), { recursive: true });
  await writeFile(path.join(dir, 'sys/block/vda/queue/scheduler'), scheduler);
  await mkdir(path.join(dir, 'sys/dev/block'), { recursive: true });
  await symlink('../../devices/virtual/block/vda', path.join(dir, 'sys/dev/block', devNumber((await stat(dataRoot)).dev)));
  const checker = createEnforcementChecker(
    { logger: silentLogger, dataRoot: async () => dataRoot },
    { cgroupRoot: path.join(dir, 'cgroup'), sysBlockRoot: path.join(dir, 'sys/block'), procRoot: path.join(dir, 'proc') },
  );
  return { dir, checker };
}

const running = { State: { Running: true, Pid: 4242 }, HostConfig: { BlkioWeight: 0 } };
const id1 = '4bc6676279a8739dd0380f2ecbf9244baa20c8a5cda6f69448f49b8a4fdae7b0';
const id2 = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';

describe('enforcement read-back', () => {
  it('v1 + bfq: applies the weight Docker discarded and verifies everything', async () => {
    const { dir, checker } = await host('cgroup-v1', 'mq-deadline kyber [bfq] none');
    const job = testJob({ cpus: 0.5, memoryMb: 64, pidsLimit: 64, ioWeight: 700 });
    expect(await checker.verify(job, running, ['Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.'])).toEqual({
      cpus: true,
      memory: true,
      pids: true,
      ioWeight: true,
    });
    expect((await readFile(path.join(dir, `cgroup/blkio/docker/${id1}/blkio.bfq.weight`), 'utf8')).trim()).toBe('700');
    expect(await checker.hostIoWeight()).toEqual({ enforced: true });
  });

  it('v1 + mq-deadline: the weight is set but not enforced, and the note says what to do', async () => {
    const { checker } = await host('cgroup-v1', 'none [mq-deadline] kyber bfq');
    const enforced = await checker.verify(testJob({ cpus: 0.5, memoryMb: 64, pidsLimit: 64 }), running, []);
    expect(enforced).toEqual({
      cpus: true,
      memory: true,
      pids: true,
      ioWeight: false,
      note: 'disk vda uses mq-deadline; IO weights need the bfq scheduler (echo bfq > /sys/block/vda/queue/scheduler)',
    });
  });

  it('v2 systemd driver + bfq: io.bfq.weight set and verified', async () => {
    const { dir, checker } = await host('cgroup-v2-systemd', '[bfq] none');
    const enforced = await checker.verify(testJob({ cpus: 0.5, memoryMb: 64, pidsLimit: 64, ioWeight: 1000 }), running, []);
    expect(enforced).toEqual({ cpus: true, memory: true, pids: true, ioWeight: true });
    expect((await readFile(path.join(dir, `cgroup/system.slice/docker-${id2}.scope/io.bfq.weight`), 'utf8')).trim()).toBe('1000');
  });

  it('v2 without bfq (io.weight only): not enforced, with notes for every unverified limit', async () => {
    const { checker } = await host('cgroup-v2-cgroupfs', '[bfq] none');
    const enforced = await checker.verify(testJob({ cpus: 0.5, memoryMb: 64, pidsLimit: 64 }), running, []);
    expect(enforced).toMatchObject({ cpus: false, memory: false, pids: false, ioWeight: false });
    expect(enforced.note).toContain('io.weight, which only the iocost controller honours');
  });

  it('a container that already exited claims nothing: every limit false, and the note says why', async () => {
    const { checker } = await host('cgroup-v1', '[bfq]');
    const enforced = await checker.verify(testJob({ cpus: 0.5, memoryMb: 64, pidsLimit: 64 }), { State: { Running: false, Pid: 0 }, HostConfig: { BlkioWeight: 0 } }, []);
    expect(enforced).toEqual({
      cpus: false,
      memory: false,
      pids: false,
      ioWeight: false,
      note: 'the container exited before its cgroup could be read: cpus, memory, pids and IO weight not verified',
    });
  });

  it('detects a discarded BlkioWeight from the warning or HostConfig', () => {
    expect(blkioDiscarded(['Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.'], 500)).toBe(true);
    expect(blkioDiscarded([], 0)).toBe(true);
    expect(blkioDiscarded([], 500)).toBe(false);
  });
});
