import { describe, expect, it } from 'vitest';
import { devNumber, diskFromSysPath, mountSourceFor } from '../../../server/adapters/docker/block-device.js';
import { blkioToIoWeight, containerVerdict, diskVerdict, parseScheduler, parseWeight, weightFileFor } from '../../../server/adapters/docker/io-weight.js';

describe('io weight: parsing', () => {
  it('reads the active scheduler', () => {
    expect(parseScheduler('none [mq-deadline] kyber bfq\n')).toEqual({ active: 'mq-deadline', available: ['none', 'mq-deadline', 'kyber', 'bfq'] });
    expect(parseScheduler('[bfq] none').active).toBe('bfq');
    expect(parseScheduler('none').active).toBe('none');
  });

  it('reads weights in both kernel formats', () => {
    expect(parseWeight('100')).toBe(100);
    expect(parseWeight('default 300')).toBe(300);
    expect(parseWeight('default 300\n8:0 200')).toBe(300);
    expect(parseWeight(undefined)).toBeNull();
    expect(parseWeight('garbage')).toBeNull();
  });

  it('picks the file BFQ honours, per cgroup version', () => {
    expect(weightFileFor(1, { 'blkio.bfq.weight': '100' }, 700)).toEqual({ file: 'blkio.bfq.weight', value: '700', expected: 700, bfq: true });
    expect(weightFileFor(2, { 'io.bfq.weight': 'default 100', 'io.weight': 'default 100' }, 700)).toEqual({ file: 'io.bfq.weight', value: '700', expected: 700, bfq: true });
    expect(weightFileFor(2, { 'io.weight': 'default 100' }, 1000)).toEqual({ file: 'io.weight', value: 'default 10000', expected: 10000, bfq: false });
    expect(weightFileFor(1, {}, 500)).toBeNull();
  });

  it("maps blkio weights onto io.weight like runc", () => {
    expect(blkioToIoWeight(10)).toBe(1);
    expect(blkioToIoWeight(1000)).toBe(10000);
    expect(blkioToIoWeight(500)).toBe(4950);
  });

  it('finds the disk from sysfs paths, device numbers and the mount table', () => {
    expect(diskFromSysPath('/sys/devices/pci0000:00/0000:00:04.0/virtio1/block/vda')).toBe('vda');
    expect(diskFromSysPath('/sys/devices/pci0000:00/0000:00:04.0/virtio1/block/vda/vda1')).toBe('vda');
    expect(diskFromSysPath('/sys/devices/virtual/block/dm-0')).toBe('dm-0');
    expect(devNumber(0xfe00)).toBe('254:0');
    expect(devNumber(0x10301)).toBe('259:1'); // nvme0n1p1 style: major above 255
    const mountinfo = [
      '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw',
      '42 27 254:16 / /var/lib/docker rw,relatime shared:1 - ext4 /dev/vdb1 rw',
      '50 27 0:40 / /var/lib/dockerish rw - tmpfs tmpfs rw',
    ].join('\n');
    expect(mountSourceFor(mountinfo, '/var/lib/docker')).toBe('/dev/vdb1');
    expect(mountSourceFor(mountinfo, '/var/lib/docker/overlay2')).toBe('/dev/vdb1');
    expect(mountSourceFor(mountinfo, '/var/lib/dockerish')).toBe('tmpfs');
    expect(mountSourceFor(mountinfo, '/srv')).toBe('/dev/vda');
  });
});

describe('io weight: verdicts and notes', () => {
  const bfq = { disk: 'vda', scheduler: parseScheduler('mq-deadline kyber [bfq] none') };
  const deadline = { disk: 'vda', scheduler: parseScheduler('none [mq-deadline] kyber bfq') };

  it('enforced only when every disk uses bfq', () => {
    expect(diskVerdict([bfq], '/var/lib/docker')).toEqual({ enforced: true });
    expect(diskVerdict([deadline], '/var/lib/docker')).toEqual({
      enforced: false,
      note: 'disk vda uses mq-deadline; IO weights need the bfq scheduler (echo bfq > /sys/block/vda/queue/scheduler)',
    });
    expect(diskVerdict([bfq, { disk: 'vdb', scheduler: parseScheduler('[none] mq-deadline') }], '/d').note).toBe(
      'disk vdb uses none; IO weights need the bfq scheduler (modprobe bfq, then echo bfq > /sys/block/vdb/queue/scheduler)',
    );
    expect(diskVerdict(null, '/var/lib/docker').note).toContain("could not tell which disk holds Docker's data (/var/lib/docker)");
    expect(diskVerdict([], '/var/lib/docker').note).toContain('not on a block device');
  });

  it('a container is enforced only when its weight reads back AND the disk honours it', () => {
    const file = weightFileFor(1, { 'blkio.bfq.weight': '100' }, 700)!;
    expect(containerVerdict({ file, readBack: 700, dockerDiscarded: true }, { enforced: true })).toEqual({ enforced: true });
    const onDeadline = diskVerdict([deadline], '/var/lib/docker');
    expect(containerVerdict({ file, readBack: 700, dockerDiscarded: true }, onDeadline)).toEqual(onDeadline);
    expect(containerVerdict({ file, readBack: 100, dockerDiscarded: true }, { enforced: true }).note).toBe('blkio.bfq.weight reads 100 after setting 700');
    expect(containerVerdict({ file, readBack: null, writeError: 'EACCES: permission denied', dockerDiscarded: true }, { enforced: true }).note).toBe(
      'could not set blkio.bfq.weight: EACCES: permission denied',
    );
    expect(containerVerdict({ file: null, readBack: null, dockerDiscarded: true }, onDeadline).note).toMatch(/^the container's cgroup has no bfq weight file .*disk vda uses mq-deadline/);
    const ioWeight = weightFileFor(2, { 'io.weight': 'default 100' }, 500)!;
    expect(containerVerdict({ file: ioWeight, readBack: 4950, dockerDiscarded: false }, { enforced: true }).enforced).toBe(false);
  });
});
