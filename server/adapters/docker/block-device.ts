// Which disk(s) hold Docker's data root, and their IO schedulers. Only the path lookups are I/O; the
// name parsing is pure and exported for tests.
import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseScheduler, type DiskScheduler } from './io-weight.js';

/** Linux dev_t -> "major:minor" (glibc's encoding, which Node's stat().dev uses). */
export function devNumber(dev: number | bigint): string {
  const d = BigInt(dev);
  const major = ((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn);
  const minor = (d & 0xffn) | ((d >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}

/** "/sys/devices/pci0000:00/.../block/vda/vda1" -> "vda"; "/sys/devices/virtual/block/dm-0" -> "dm-0". */
export function diskFromSysPath(sysPath: string): string | null {
  const parts = sysPath.split('/');
  const i = parts.lastIndexOf('block');
  return i >= 0 && parts[i + 1] ? parts[i + 1]! : null;
}

/** The mount holding `target` in a /proc/self/mountinfo text: its source (e.g. /dev/vda1). */
export function mountSourceFor(mountinfo: string, target: string): string | null {
  let best: { point: string; source: string } | null = null;
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const point = left.split(' ')[4]?.replace(/\\040/g, ' ');
    const source = right.split(' ')[1];
    if (!point || !source) continue;
    const inside = point === '/' || target === point || target.startsWith(`${point}/`);
    if (inside && (!best || point.length >= best.point.length)) best = { point, source };
  }
  return best?.source ?? null;
}

export interface BlockDeviceOptions {
  sysBlockRoot: string;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** Whole-disk names under dataRoot; [] when it is not on a block device, null when unknown. */
export async function disksFor(dataRoot: string, options: BlockDeviceOptions): Promise<string[] | null> {
  const sysRoot = path.dirname(options.sysBlockRoot);
  let disk: string | null = null;
  try {
    const st = await stat(dataRoot);
    disk = diskFromSysPath(await realpath(path.join(sysRoot, 'dev/block', devNumber(st.dev))));
  } catch {
    // btrfs, overlay-on-something, or a remote daemon: fall back to the mount table.
  }
  if (disk === null) {
    const source = mountSourceFor(await readFile('/proc/self/mountinfo', 'utf8').catch(() => ''), dataRoot);
    if (source === null) return null;
    if (!source.startsWith('/dev/')) return [];
    const name = path.basename(await realpath(source).catch(() => source));
    disk = diskFromSysPath(await realpath(path.join(sysRoot, 'class/block', name)).catch(() => ''));
    if (disk === null) return null;
  }
  return expandStacked(disk, options.sysBlockRoot, 0);
}

/** Device-mapper and md devices pass IO on to their members, where the scheduler that matters is. */
async function expandStacked(disk: string, sysBlockRoot: string, depth: number): Promise<string[]> {
  const slaves = await readdir(path.join(sysBlockRoot, disk, 'slaves')).catch(() => [] as string[]);
  if (slaves.length === 0 || depth > 4) return [disk];
  const out: string[] = [];
  for (const slave of slaves) {
    const real = await realpath(path.join(sysBlockRoot, disk, 'slaves', slave)).catch(() => '');
    const whole = diskFromSysPath(real) ?? slave;
    for (const d of await expandStacked(whole, sysBlockRoot, depth + 1)) if (!out.includes(d)) out.push(d);
  }
  return out;
}

export async function schedulersOf(disks: string[], options: BlockDeviceOptions): Promise<DiskScheduler[]> {
  return Promise.all(
    disks.map(async (disk) => {
      const text = await readFile(path.join(options.sysBlockRoot, disk, 'queue/scheduler'), 'utf8').catch(() => null);
      return { disk, scheduler: text === null ? null : parseScheduler(text) };
    }),
  );
}

export { exists as pathExists };
