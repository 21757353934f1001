// One network per user, on the real dockerd: separate networks and bridges per user, shared by one
// user's jobs (which reach each other), Docker's isolation rules between users, removal with the
// last job, the reconcile's prune, the host-access rule, and (on a private dockerd with a tiny
// default-address-pools) a clear error when no address range is left.
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerRuntime } from '../../../server/adapters/docker/index.js';
import { blockHostAccess, hostAccessChain, systemIptables } from '../../../server/adapters/docker/host-access.js';
import { poolExhaustedMessage, userHash, userNetworkName } from '../../../server/adapters/docker/user-networks.js';
import { ContainerStartError } from '../../../server/core/errors.js';
import type { JobRuntime } from '../../../server/core/ports.js';
import type { Job } from '../../../server/protocol/index.js';
import { startPrivateDockerd } from '../../support/daemons.js';
import { execIn, removeTagged, silentLogger, testDocker, testJob, testRunTag, waitFor } from '../../support/docker.js';
import { startTestServer } from '../../support/server.js';
import { waitForJob } from '../../support/wait.js';

const run = promisify(execFile);
const docker = testDocker();
const tag = testRunTag('net');
let runtime: JobRuntime;

async function start(rt: JobRuntime, owner: string, cmd: string, o: Partial<Job> = {}): Promise<string> {
  const job = testJob({ network: 'bridge', owner, cmd, ...o }, tag);
  const id = await rt.create(job);
  await rt.start(id, job);
  return id;
}

/** The container's one network as Docker reports it. */
async function networkOf(containerId: string): Promise<{ name: string; id: string; ip: string; gateway: string }> {
  const networks = (await docker.getContainer(containerId).inspect()).NetworkSettings.Networks;
  const names = Object.keys(networks);
  expect(names).toHaveLength(1);
  const [name] = names as [string];
  const n = networks[name]!;
  return { name, id: n.NetworkID, ip: n.IPAddress, gateway: n.Gateway };
}

const networksNamed = async (name: string) => (await docker.listNetworks({ filters: { name: [name] } })).filter((n) => n.Name === name);
const networkFor = (owner: string) => userNetworkName(userHash(owner, tag));

/** An HTTP GET from inside a container, with nc (this busybox build's wget crashes): the body, or
 * FAIL and nc's complaint. */
async function fetchFrom(containerId: string, host: string, port: number, path = '/'): Promise<string> {
  const script = `printf 'GET ${path} HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${host} ${port} 2>&1 || echo FAIL`;
  const out = await execIn(docker, containerId, ['sh', '-c', script]);
  const body = /\r?\n\r?\n([\s\S]*)$/.exec(out);
  return (body ? body[1]! : out).trim();
}

const iptablesRules = async (chain: string) => (await run('iptables', ['-w', '-S', chain])).stdout.split('\n');

beforeAll(async () => {
  await docker.ping();
  runtime = createDockerRuntime({ docker, logger: silentLogger }, { instance: tag });
});
afterAll(async () => removeTagged(docker, tag));

describe('one network per user', () => {
  let alice1: string;
  let alice2: string;
  let bob: string;

  beforeAll(async () => {
    // busybox httpd serves /etc, so GET /hostname answers with the container's own short id.
    [alice1, alice2, bob] = await Promise.all([
      start(runtime, 'alice', 'httpd -f -p 8080 -h /etc'),
      start(runtime, 'alice', 'sleep 120'),
      start(runtime, 'bob', 'httpd -f -p 8080 -h /etc'),
    ]);
  });

  it("puts two users on networks of their own, neither Docker's default bridge, on separate bridges", async () => {
    const [a, b] = await Promise.all([networkOf(alice1), networkOf(bob)]);
    expect(a.name).toBe(networkFor('alice'));
    expect(b.name).toBe(networkFor('bob'));
    expect(a.name).not.toBe(b.name);
    for (const n of [a, b]) expect(n.name).not.toBe('bridge');
    const [na, nb] = await Promise.all([docker.getNetwork(a.id).inspect(), docker.getNetwork(b.id).inspect()]);
    for (const n of [na, nb]) {
      expect(n.Driver).toBe('bridge');
      expect(n.Labels).toMatchObject({ 'cjm.managed': 'true', 'cjm.instance': tag, 'cjm.user-hash': expect.stringMatching(/^[0-9a-f]{11}$/) });
      expect(n.Options?.['com.docker.network.bridge.enable_icc']).toBe('true');
    }
    const bridges = [na.Options?.['com.docker.network.bridge.name'], nb.Options?.['com.docker.network.bridge.name']];
    expect(bridges[0]).toMatch(/^cjm-[0-9a-f]{11}$/);
    expect(bridges[0]).not.toBe(bridges[1]);
    expect(na.IPAM?.Config?.[0]?.Subnet).not.toBe(nb.IPAM?.Config?.[0]?.Subnet);
    // Docker's isolation between bridges (20.10): traffic leaving a bridge for another interface goes
    // to stage 2, which drops whatever is headed into any other bridge.
    const { stdout: backend } = await run('iptables', ['--version']);
    const [stage1, stage2] = await Promise.all([iptablesRules('DOCKER-ISOLATION-STAGE-1'), iptablesRules('DOCKER-ISOLATION-STAGE-2')]);
    for (const br of bridges) {
      expect(stage1, `${backend.trim()}: stage 1 for ${br}`).toContain(`-A DOCKER-ISOLATION-STAGE-1 -i ${br} ! -o ${br} -j DOCKER-ISOLATION-STAGE-2`);
      expect(stage2, `${backend.trim()}: stage 2 for ${br}`).toContain(`-A DOCKER-ISOLATION-STAGE-2 -o ${br} -j DROP`);
    }
  });

  it("lets one user's jobs share a network and reach each other (a web server and its client)", async () => {
    const [a1, a2] = await Promise.all([networkOf(alice1), networkOf(alice2)]);
    expect(a2.id).toBe(a1.id);
    expect(await networksNamed(a1.name)).toHaveLength(1);
    // The machine's answer on traffic between containers of one bridge; the isolation check below
    // means something only when this works.
    expect(await fetchFrom(alice2, a1.ip, 8080, '/hostname'), 'same-network traffic between containers on this machine').toBe(alice1.slice(0, 12));
  });

  it("keeps another user's job from connecting to yours", async () => {
    const [a1, b] = await Promise.all([networkOf(alice1), networkOf(bob)]);
    // The control first: bob's server answers on its own network (from the host, which reaches all).
    const fromHost = await fetch(`http://${b.ip}:8080/hostname`, { signal: AbortSignal.timeout(5000) }).then((r) => r.text());
    expect(fromHost.trim(), 'the host reaches a job on a user network (as the endpoint proxy will)').toBe(bob.slice(0, 12));
    expect(await fetchFrom(bob, a1.ip, 8080, '/hostname')).toMatch(/FAIL/);
    expect(await fetchFrom(alice2, b.ip, 8080, '/hostname')).toMatch(/FAIL/);
  });

  it('leaves network none alone', async () => {
    const id = await runtime.create(testJob({ network: 'none', owner: 'nobody-networked', cmd: 'true' }, tag));
    const inspect = await docker.getContainer(id).inspect();
    expect(inspect.HostConfig.NetworkMode).toBe('none');
    expect(inspect.Config.Labels).not.toHaveProperty('cjm.user-network');
    expect(await networksNamed(networkFor('nobody-networked'))).toHaveLength(0);
    await runtime.remove(id);
  });

  it("removes the network with the user's last job, and only then (an exited job keeps it)", async () => {
    const name = networkFor('alice');
    const done = await start(runtime, 'alice', 'true');
    await waitFor(async () => ((await runtime.inspect(done))?.running === false ? true : undefined));
    await runtime.remove(alice1);
    await runtime.remove(alice2);
    expect(await networksNamed(name), 'an exited container still refers to it').toHaveLength(1);
    await runtime.remove(done);
    expect(await networksNamed(name)).toHaveLength(0);
    await runtime.remove(bob);
    expect(await networksNamed(networkFor('bob'))).toHaveLength(0);
  });
});

describe('races', () => {
  it("makes one network for a user's concurrent first jobs, and a create racing the removals succeeds", async () => {
    const name = networkFor('dave');
    const ids = await Promise.all(Array.from({ length: 5 }, () => start(runtime, 'dave', 'sleep 120')));
    expect(await networksNamed(name)).toHaveLength(1);
    const networks = await Promise.all(ids.map(networkOf));
    expect(new Set(networks.map((n) => n.id)).size).toBe(1);

    const [late] = await Promise.all([start(runtime, 'dave', 'sleep 120'), ...ids.map((id) => runtime.remove(id))]);
    expect((await runtime.inspect(late))?.running).toBe(true);
    expect((await networkOf(late)).name).toBe(name);
    await runtime.remove(late);
    expect(await networksNamed(name)).toHaveLength(0);
  });

  it('keeps the network for a job created but not yet started when another job of the user is removed', async () => {
    const name = networkFor('grace');
    const running = await start(runtime, 'grace', 'sleep 120');
    const waiting = testJob({ network: 'bridge', owner: 'grace', cmd: 'echo started' }, tag);
    const created = await runtime.create(waiting);
    await runtime.remove(running);
    expect(await networksNamed(name), 'a created container refers to it').toHaveLength(1);
    const { state } = await runtime.start(created, waiting);
    expect(state.error ?? '').toBe('');
    await waitFor(async () => ((await runtime.inspect(created))?.running === false ? true : undefined));
    expect((await runtime.inspect(created))?.exitCode).toBe(0);
    await runtime.remove(created);
    expect(await networksNamed(name)).toHaveLength(0);
  });

  it('joins the older of two networks Docker let another process create with one name, removing the newer', async () => {
    const name = networkFor('heidi');
    const labels = { 'cjm.managed': 'true', 'cjm.instance': tag, 'cjm.user-hash': userHash('heidi', tag) };
    const older = await docker.createNetwork({ Name: name, Driver: 'bridge', CheckDuplicate: false, Labels: labels });
    await new Promise((r) => setTimeout(r, 20));
    await docker.createNetwork({ Name: name, Driver: 'bridge', CheckDuplicate: false, Labels: labels });
    expect(await networksNamed(name)).toHaveLength(2);
    const id = await start(runtime, 'heidi', 'sleep 120');
    expect((await networkOf(id)).id).toBe(older.id);
    expect((await networksNamed(name)).map((n) => n.Id)).toEqual([older.id]);
    await runtime.remove(id);
    expect(await networksNamed(name)).toHaveLength(0);
  });
});

describe('leftovers', () => {
  it('pruneNetworks removes user networks no container uses, and keeps the others', async () => {
    const kept = await start(runtime, 'frank', 'sleep 120');
    const leftover = await docker.createNetwork({ Name: `cjm-u-leftover-${tag}`, Driver: 'bridge', Labels: { 'cjm.managed': 'true', 'cjm.instance': tag, 'cjm.user-hash': '00000000000' } });
    const removed = await runtime.pruneNetworks();
    expect(removed).toEqual([`cjm-u-leftover-${tag}`]);
    await expect(leftover.inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect(await networksNamed(networkFor('frank'))).toHaveLength(1);
    await runtime.remove(kept);
  });

  it("is what the server's reconcile at start does with a network a killed server left", async () => {
    const instance = `${tag}-srv`;
    const name = `cjm-u-killed-${tag}`;
    await docker.createNetwork({ Name: name, Driver: 'bridge', Labels: { 'cjm.managed': 'true', 'cjm.instance': instance, 'cjm.user-hash': '11111111111' } });
    const server = await startTestServer({ env: { CJM_INSTANCE: instance } });
    try {
      await waitFor(async () => ((await networksNamed(name)).length === 0 ? true : undefined), 15_000);
    } finally {
      await server.close();
    }
  });
});

describe('host access', () => {
  let http: Server;
  let port: number;
  beforeAll(async () => {
    http = createServer((_req, res) => res.end('host-ok'));
    await new Promise<void>((resolve) => http.listen(0, '0.0.0.0', resolve));
    port = (http.address() as AddressInfo).port;
  });
  afterAll(async () => {
    // Whatever happened, leave the host closed to jobs (the default).
    await blockHostAccess(systemIptables);
    await new Promise((resolve) => http.close(resolve));
  });

  /** The host's addresses a job could aim at: its gateway, and the host's own non-loopback IPv4s. */
  const hostTargets = (gateway: string) => [
    gateway,
    ...Object.values(networkInterfaces())
      .flat()
      .filter((i) => i !== undefined && i.family === 'IPv4' && !i.internal && i.address !== gateway)
      .map((i) => i!.address)
      .slice(0, 3),
  ];

  it('a job cannot connect to a service the host runs on 0.0.0.0, unless CJM_JOBS_REACH_HOST=true', async () => {
    const id = await start(runtime, 'erin', 'sleep 120');
    const { gateway } = await networkOf(id);
    const jump = (await iptablesRules('INPUT')).filter((r) => r.includes(`-j ${hostAccessChain}`));
    expect(jump, 'one jump to the host-access chain, first thing in INPUT for cjm bridges').toHaveLength(1);
    expect(jump[0]).toMatch(/^-A INPUT -i cjm-\+ -m comment --comment "cjm: /);
    expect((await iptablesRules(hostAccessChain)).join('\n')).toMatch(/RELATED,ESTABLISHED.*ACCEPT\n.*REJECT/);
    // A second application changes nothing.
    await blockHostAccess(systemIptables);
    expect((await iptablesRules('INPUT')).filter((r) => r.includes(`-j ${hostAccessChain}`))).toHaveLength(1);

    for (const target of hostTargets(gateway)) expect(await fetchFrom(id, target, port), `to the host at ${target}`).toMatch(/FAIL.*(refused|unreachable)|(refused|unreachable).*FAIL/is);

    // The admin's choice: a runtime configured to allow it lifts the rule before its first network.
    const open = createDockerRuntime({ docker, logger: silentLogger }, { instance: tag, jobsReachHost: true });
    const other = await start(open, 'erin-open', 'sleep 120');
    expect((await iptablesRules('INPUT')).filter((r) => r.includes(`-j ${hostAccessChain}`))).toHaveLength(0);
    expect(await fetchFrom(other, (await networkOf(other)).gateway, port)).toBe('host-ok');
    await Promise.all([open.remove(other), runtime.remove(id)]);
  });
});

describe('host access rule cannot be set', () => {
  it('refuses bridge jobs with a reason that names the way out, creates no network, and leaves network none alone', async () => {
    // Not root: the one fault here that cannot be caused for real, as the tests run as root.
    const denied = Object.assign(new Error('Command failed: iptables -w -N CJM-JOBS-TO-HOST'), {
      stderr: 'iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)\n',
    });
    const rt = createDockerRuntime({ docker, logger: silentLogger }, { instance: tag, iptables: () => Promise.reject(denied) });
    const err = await rt.create(testJob({ network: 'bridge', owner: 'ivan', cmd: 'true' }, tag)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContainerStartError);
    expect((err as Error).message).toMatch(/^could not set the rule that keeps jobs from reaching the host \(iptables: .*Permission denied.*\); run cjm-server as root, or set CJM_JOBS_REACH_HOST=true/);
    expect(await networksNamed(networkFor('ivan'))).toHaveLength(0);
    const none = await rt.create(testJob({ network: 'none', owner: 'ivan', cmd: 'true' }, tag));
    await rt.remove(none);
  });
});

describe('address pool exhaustion (private dockerd)', () => {
  it('fails the create at once with an error that says the pool is exhausted, and recovers when a network is freed', async () => {
    // Room for 4 /28s only.
    const d = await startPrivateDockerd({ defaultAddressPools: [{ base: '10.213.77.0/26', size: 28 }] });
    try {
      // No iptables here: the private daemon runs without it, and the shared host's rule is tested above.
      const rt = createDockerRuntime({ docker: d.docker, logger: silentLogger }, { instance: tag, iptables: async () => undefined });
      const made: string[] = [];
      let failure: unknown;
      let failedAfterMs = 0;
      for (let i = 0; i < 8 && failure === undefined; i++) {
        const t0 = Date.now();
        try {
          made.push(await rt.create(testJob({ network: 'bridge', owner: `pool-user-${i}`, cmd: 'true' }, tag)));
        } catch (e) {
          failure = e;
          failedAfterMs = Date.now() - t0;
        }
      }
      expect(made.length).toBeGreaterThan(0);
      expect(made.length).toBeLessThanOrEqual(4);
      expect(failure).toBeInstanceOf(ContainerStartError);
      expect((failure as Error).message).toBe(poolExhaustedMessage);
      expect(failedAfterMs).toBeLessThan(5000);
      console.log(`pool of four /28s: ${made.length} user networks made, the next failed in ${failedAfterMs} ms`);

      // What a user sees: the job ends error with that reason, soon.
      const sharedHost = process.env['DOCKER_HOST'];
      process.env['DOCKER_HOST'] = d.host; // the server's dockerode reads it at start
      const server = await startTestServer().finally(() => {
        if (sharedHost === undefined) delete process.env['DOCKER_HOST'];
        else process.env['DOCKER_HOST'] = sharedHost;
      });
      try {
        const api = await server.connect(server.adminToken);
        const t0 = Date.now();
        const job = await api.call('job.create', { name: `pool-${tag}`, image: 'busybox:latest', cmd: 'true', cpus: 0.1, memoryMb: 16 });
        const ended = await waitForJob(api, job.id, (j) => j.status !== 'pending', 15_000);
        expect(ended).toMatchObject({ status: 'error', reason: poolExhaustedMessage });
        console.log(`job.create with the pool exhausted: error after ${Date.now() - t0} ms`);
        await api.call('job.remove', { id: job.id });
        api.close();
      } finally {
        await server.close();
      }

      await rt.remove(made[0]!);
      const again = await rt.create(testJob({ network: 'bridge', owner: 'pool-user-late', cmd: 'true' }, tag));
      await rt.remove(again);
    } finally {
      await d.destroy();
    }
  });
});
