import { describe, expect, it } from 'vitest';
import { commandFor, containerConfig, containerName, dockerLogConfig, managedFilters } from '../../../server/adapters/docker/container-config.js';
import { testJob } from '../../support/docker.js';

describe('containerConfig', () => {
  const job = testJob({ id: 42, name: 'web.1', cmd: 'echo a && echo b', cpus: 0.5, memoryMb: 128, ioWeight: 300, pidsLimit: 100, env: { A: '1', B: 'x=y' }, network: 'none' });
  const config = containerConfig(job, { logMaxBytes: 64 * 1024 * 1024 });

  it('names the container after the job, and its server when servers share a dockerd', () => {
    expect(containerName(job)).toBe('cjm-42-web.1');
    expect(containerName(job, 'cjm_test')).toBe('cjm-cjm_test-42-web.1');
  });

  it('runs cmd with /bin/sh -c, never bash', () => {
    expect(config.Entrypoint).toEqual(['/bin/sh', '-c']);
    expect(config.Cmd).toEqual(['echo a && echo b']);
  });

  it('runs argv in exec form, replacing the image entrypoint', () => {
    expect(commandFor({ cmd: null, argv: ['/bin/echo', 'a b', '$HOME'] })).toEqual({ Entrypoint: ['/bin/echo'], Cmd: ['a b', '$HOME'] });
    expect(commandFor({ cmd: null, argv: ['true'] })).toEqual({ Entrypoint: ['true'], Cmd: [] });
  });

  it('sets the limits', () => {
    const h = config.HostConfig!;
    expect(h.NanoCpus).toBe(500_000_000);
    expect(h.Memory).toBe(128 * 1024 * 1024);
    expect(h.MemorySwap).toBe(h.Memory);
    expect(h.PidsLimit).toBe(100);
    expect(h.BlkioWeight).toBe(300);
    expect(containerConfig(testJob({ cpus: 0.01 }), { logMaxBytes: 1024 * 1024 }).HostConfig!.NanoCpus).toBe(10_000_000);
    expect(containerConfig(testJob({ cpus: 1.337 }), { logMaxBytes: 1024 * 1024 }).HostConfig!.NanoCpus).toBe(1_337_000_000);
  });

  it('puts the container under the job\'s parent cgroup when given one, else leaves Docker\'s default', () => {
    expect(containerConfig(testJob(), { logMaxBytes: 1024 * 1024, cgroupParent: '/cjm-job-7' }).HostConfig!.CgroupParent).toBe('/cjm-job-7');
    expect(config.HostConfig).not.toHaveProperty('CgroupParent');
  });

  it('applies the security defaults', () => {
    const h = config.HostConfig!;
    expect(h.SecurityOpt).toEqual(['no-new-privileges']);
    expect(h.CapDrop).toEqual(['NET_RAW']);
    expect(h.Init).toBe(true);
    expect(h.Privileged).toBe(false);
    expect(h.Binds).toEqual([]);
    expect(h.Mounts).toEqual([]);
    expect(h.NetworkMode).toBe('none');
    expect(h.AutoRemove).toBe(false);
  });

  it("sizes Docker's own log copy so the worst output shape up to cjm's cap never rotates it", () => {
    // 64 MiB of empty lines take 26 bytes each in the local driver, plus 1 MiB of slack; one file,
    // no compression (the driver refuses compress with a single file at start, not at create).
    expect(config.HostConfig!.LogConfig).toEqual({ Type: 'local', Config: { 'max-size': String(26 * 64 * 1024 * 1024 + 1024 * 1024), 'max-file': '1', compress: 'false' } });
    expect(dockerLogConfig(1024 * 1024).Config['max-size']).toBe(String(27 * 1024 * 1024));
  });

  it('exposes the job\'s ports without publishing any on the host', () => {
    const web = containerConfig(testJob({ ports: [8000, 8001] }), { logMaxBytes: 1024 * 1024 });
    expect(web.ExposedPorts).toEqual({ '8000/tcp': {}, '8001/tcp': {} });
    expect(web.HostConfig?.PortBindings).toBeUndefined();
    expect(web.HostConfig?.PublishAllPorts).toBeUndefined();
    expect(config.ExposedPorts).toBeUndefined();
  });

  it('labels, env and stdio', () => {
    expect(config.Labels).toEqual({ 'cjm.managed': 'true', 'cjm.job-id': '42', 'cjm.job-name': 'web.1' });
    expect(config.Env).toEqual(['A=1', 'B=x=y']);
    expect(config).toMatchObject({ Tty: false, OpenStdin: false, AttachStdout: true, AttachStderr: true });
  });

  it('labels the owning instance when given, and filters on it', () => {
    expect(containerConfig(job, { logMaxBytes: 1024 * 1024, instance: 'db7' }).Labels).toMatchObject({ 'cjm.managed': 'true', 'cjm.instance': 'db7' });
    expect(config.Labels).not.toHaveProperty('cjm.instance');
    expect(managedFilters(undefined)).toEqual(['cjm.managed=true']);
    expect(managedFilters('db7')).toEqual(['cjm.managed=true', 'cjm.instance=db7']);
  });
});
