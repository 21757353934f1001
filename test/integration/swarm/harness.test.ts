// The two-node swarm harness itself: both nodes in the swarm with distinct hostnames, the image on
// both with one ID, and nothing left behind after destroy().
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { processesUnder } from '../../support/daemons.js';
import { startTestSwarm } from '../../support/swarm.js';

const run = promisify(execFile);

describe('test swarm harness', () => {
  it('starts a manager and a worker, then leaves nothing behind', async () => {
    const started = Date.now();
    const swarm = await startTestSwarm();
    const startMs = Date.now() - started;
    const prefix = swarm.manager.hostname.replace(/-a$/, '');
    try {
      const nodes = (await swarm.manager.docker.listNodes()) as { ID: string; Description: { Hostname: string }; Spec: { Role: string }; Status: { State: string } }[];
      expect(nodes.map((n) => [n.Description.Hostname, n.Spec.Role, n.Status.State]).sort()).toEqual([
        [swarm.manager.hostname, 'manager', 'ready'],
        [swarm.worker.hostname, 'worker', 'ready'],
      ]);
      expect((await swarm.worker.docker.getImage(swarm.imageId).inspect()).Id).toBe(swarm.imageId);
      // The machine's own dockerd stays out of any swarm.
      const own = (await new Docker().info()) as { Swarm: { LocalNodeState: string } };
      expect(own.Swarm.LocalNodeState).toBe('inactive');
    } finally {
      const stopped = Date.now();
      await swarm.destroy();
      console.log(`swarm start ${startMs} ms, destroy ${Date.now() - stopped} ms`);
    }
    const { stdout: namespaces } = await run('ip', ['netns', 'list']);
    expect(namespaces).not.toContain(prefix);
    const cgroups = await readdir('/sys/fs/cgroup');
    for (const c of cgroups) expect(existsSync(`/sys/fs/cgroup/${c}/${prefix}-a`) || existsSync(`/sys/fs/cgroup/${c}/${prefix}-b`)).toBe(false);
    expect(await readFile('/proc/self/mountinfo', 'utf8')).not.toContain(swarm.dir);
    expect(await processesUnder(swarm.dir)).toEqual([]);
    expect(existsSync(swarm.dir)).toBe(false);
  }, 90_000);
});
