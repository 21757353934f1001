// apache/cjm.conf in a real, standalone Apache (the config provision generates without systemd) on a
// free port, in front of a backend: what the VM's port 8080 runs, without touching the machine's.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, isAlive } from './daemons.js';
import { waitFor } from './wait.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));

export function apache2(args: string[]): { status: number | null; output: string } {
  const r = spawnSync('apache2', args, { encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw new Error(`apache2: ${r.error.message} (.ci/run installs apache2)`);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

export interface TestApache {
  port: number;
  dir: string;
  conf: string;
  /** Starts it and waits until it answers. */
  start(): Promise<void>;
  /** Stops it (if started) and removes its directory. */
  stop(): Promise<void>;
}

/** Writes the standalone config for apache/cjm.conf in front of `backend` (host:port). */
export async function prepareApache(backend: string): Promise<TestApache> {
  const dir = mkdtempSync(join(tmpdir(), 'cjm-apache-'));
  const conf = join(dir, 'httpd.conf');
  const port = await freePort();
  const generated = spawnSync(join(repo, 'provision/lib/apache-standalone-conf.sh'), ['127.0.0.1', String(port), backend, join(repo, 'apache/cjm.conf'), dir, dir], {
    encoding: 'utf8',
  });
  if (generated.status !== 0) throw new Error(`apache-standalone-conf.sh failed: ${generated.stderr}`);
  writeFileSync(conf, generated.stdout);
  let started = false;
  return {
    port,
    dir,
    conf,
    async start() {
      const { status, output } = apache2(['-f', conf, '-k', 'start']);
      if (status !== 0) throw new Error(`apache2 -k start failed: ${output}`);
      started = true;
      // Any answer will do (the backend may refuse with 404/503): Apache is up.
      await waitFor('Apache to answer', async () => (await fetch(`http://127.0.0.1:${port}/static/none`).catch(() => null)) !== null, 15_000);
    },
    async stop() {
      if (started) {
        const pid = Number(readFileSync(join(dir, 'httpd.pid'), 'utf8').trim());
        apache2(['-f', conf, '-k', 'stop']);
        await waitFor('Apache to stop', async () => !(await isAlive(pid)), 15_000);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
