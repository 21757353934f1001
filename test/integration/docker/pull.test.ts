// ensureImage's real pull path: a local registry (Debian's docker-registry) on 127.0.0.1:5001, which
// dockerd treats as insecure by default (127.0.0.0/8), holding an image with a fresh random layer so
// the pull really downloads bytes.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerRuntime } from '../../../server/adapters/docker/index.js';
import { ImageUnavailableError } from '../../../server/core/errors.js';
import type { JobRuntime } from '../../../server/core/ports.js';
import { silentLogger, testDocker, testJob, testRunTag, waitFor } from '../../support/docker.js';

const docker = testDocker();
const registry = '127.0.0.1:5001';
const tag = testRunTag('pull');
const repo = `${registry}/cjm-test/layered`;
const image = `${repo}:${tag}`;
let dir: string;
let registryProcess: ChildProcess | undefined;
let runtime: JobRuntime;

async function follow(stream: NodeJS.ReadableStream): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => {
      const failed = out.find((m) => m.error);
      if (err || failed) reject(err ?? new Error(failed!.error));
      else resolve();
    }),
  );
}

beforeAll(async () => {
  await docker.ping();
  runtime = createDockerRuntime({ docker, logger: silentLogger });
  dir = await mkdtemp(path.join(tmpdir(), 'cjm-registry-'));
  await writeFile(
    path.join(dir, 'config.yml'),
    `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\n  delete:\n    enabled: true\nhttp:\n  addr: ${registry}\n`,
  );
  registryProcess = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: 'ignore' });
  await waitFor(async () => ((await fetch(`http://${registry}/v2/`).catch(() => null))?.ok ? true : undefined), 15_000);

  // An image with a layer nobody has: busybox + 32 MB of random bytes, committed, pushed, then deleted
  // locally so ensureImage must download it.
  const builder = await docker.createContainer({
    Image: 'busybox:latest',
    Entrypoint: ['/bin/sh', '-c'],
    Cmd: ['head -c 33554432 /dev/urandom > /blob'],
    Labels: { 'cjm.managed': 'true', 'cjm.test': tag },
    HostConfig: { NetworkMode: 'none' },
  });
  await builder.start();
  await builder.wait();
  await builder.commit({ repo, tag });
  await builder.remove({ force: true });
  // dockerd wants an X-Registry-Auth header even for a registry without auth.
  await follow(await docker.getImage(image).push({ authconfig: { serveraddress: registry } }));
  await docker.getImage(image).remove({ force: true });
}, 120_000);

afterAll(async () => {
  await docker.getImage(image).remove({ force: true }).catch(() => undefined);
  registryProcess?.kill('SIGTERM');
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('ensureImage', () => {
  it('pulls a missing image from the registry and reports progress', async () => {
    await expect(docker.getImage(image).inspect()).rejects.toMatchObject({ statusCode: 404 });
    const progress: string[] = [];
    await runtime.ensureImage(image, (p) => progress.push(p));
    expect((await docker.getImage(image).inspect()).RepoTags).toContain(image);
    expect(progress[0]).toBe('pulling image');
    expect(progress.at(-1)).toBe('pulling image 100%');
    expect(progress.length).toBeGreaterThanOrEqual(3); // at least one figure before the end
    for (const p of progress.slice(1)) expect(p).toMatch(/^pulling image \d{1,3}%$/);
    // Percentages only go up.
    const numbers = progress.slice(1).map((p) => Number(/(\d+)%/.exec(p)![1]));
    expect([...numbers].sort((a, b) => a - b)).toEqual(numbers);
  });

  it('an image removed after it was seen is pulled again when its container is created', async () => {
    await runtime.ensureImage(image, () => {});
    await docker.getImage(image).remove({ force: true });
    // Seen before: the launch does not ask Docker again...
    const seen: string[] = [];
    await runtime.ensureImage(image, (p) => seen.push(p));
    expect(seen).toEqual([]);
    // ...and the create that finds it gone pulls it, reporting the pull, and creates the container.
    const progress: string[] = [];
    const containerId = await runtime.create(testJob({ image, network: 'none' }, tag), (p) => progress.push(p));
    try {
      expect(progress[0]).toBe('pulling image');
      expect((await docker.getContainer(containerId).inspect()).Config.Image).toBe(image);
    } finally {
      await runtime.remove(containerId);
    }
  });

  it('does nothing for an image that is present', async () => {
    const progress: string[] = [];
    await runtime.ensureImage('busybox:latest', (p) => progress.push(p));
    expect(progress).toEqual([]);
  });

  it('a missing image is ImageUnavailableError naming the image and "not found"', async () => {
    const missing = `${registry}/cjm-test/nothing-here:${tag}`;
    const err = await runtime.ensureImage(missing, () => {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageUnavailableError);
    expect((err as ImageUnavailableError).image).toBe(missing);
    expect((err as Error).message).toMatch(new RegExp(`^image ${missing.replace(/[.]/g, '\\.')}: not found in registry`));
  });

  it('an unreachable registry is ImageUnavailableError saying so', async () => {
    const err = await runtime.ensureImage(`127.0.0.1:9/cjm-test/x:${tag}`, () => {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageUnavailableError);
    expect((err as Error).message).toMatch(/registry unreachable: .*connection refused/);
  });
});
