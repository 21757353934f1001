// IO weight under BFQ: two jobs writing 1 GiB with direct IO at once, weights 1000 and 100. Prints
// each round and the median ratio (light seconds / heavy seconds). Switches the disk of Docker's data
// root to bfq (low_latency off) for the measurement only, then restores the previous scheduler.
import { disksFor } from '../../server/adapters/docker/block-device.js';
import { createDockerRuntime } from '../../server/adapters/docker/index.js';
import { measureIoWeight, median, removeTagged, silentLogger, testDocker, testRunTag, withScheduler } from '../support/docker.js';

export async function run(): Promise<void> {
  const docker = testDocker();
  const tag = testRunTag('iow-bench');
  const runtime = createDockerRuntime({ docker, logger: silentLogger }, { instance: tag });
  const root = ((await docker.info()) as { DockerRootDir: string }).DockerRootDir;
  const disk = (await disksFor(root, { sysBlockRoot: '/sys/block' }))?.[0];
  if (!disk) throw new Error(`cannot tell which disk holds ${root}`);
  try {
    const rounds = await withScheduler(disk, 'bfq', () => measureIoWeight(runtime, docker, { rounds: 3, mb: 1024, tag, onDiscard: (why) => console.log(`  (round discarded: ${why})`) }), { lowLatency: false });
    console.log(`io weight (bfq on ${disk}, 2 x 1 GiB direct writes, weights 1000 vs 100):`);
    for (const r of rounds) console.log(`  heavy ${r.heavy.seconds.toFixed(2)} s, light ${r.light.seconds.toFixed(2)} s, ratio ${r.ratio.toFixed(2)}`);
    console.log(`  median ratio ${median(rounds.map((r) => r.ratio)).toFixed(2)} (1.0 = no effect; about 1.9 is the most two equal writes can show)`);
    const baseline = await measureIoWeight(runtime, docker, { rounds: 1, mb: 1024, tag, onDiscard: (why) => console.log(`  (round discarded: ${why})`) });
    console.log(`  same pair without bfq: heavy ${baseline[0]!.heavy.seconds.toFixed(2)} s, light ${baseline[0]!.light.seconds.toFixed(2)} s, ratio ${baseline[0]!.ratio.toFixed(2)}`);
  } finally {
    await removeTagged(docker, tag);
  }
}
