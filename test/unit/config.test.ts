import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactDatabaseUrl } from '../../server/config.js';

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('names the instance after the database unless CJM_INSTANCE says otherwise', () => {
    expect(loadConfig({ CJM_DATABASE_URL: 'mysql://u:p@db:3306/cjm_test_x' }).instance).toBe('cjm_test_x');
    expect(loadConfig({ CJM_INSTANCE: 'blue' }).instance).toBe('blue');
    expect(() => loadConfig({ CJM_INSTANCE: '../x' })).toThrow(/CJM_INSTANCE/);
  });

  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toEqual({
      listen: { host: '127.0.0.1', port: 5000 },
      databaseUrl: 'mysql://cjm:cjm@127.0.0.1:3306/cjm',
      instance: 'cjm',
      dataDir: '/var/lib/cjm',
      adminToken: undefined,
      adminUser: 'admin',
      logLevel: 'info',
      logMaxBytes: 64 * 1024 * 1024,
      rateLimit: { perSecond: 1000, burst: 2000 },
      secureCookies: false,
      quotas: { jobs: 50, cpus: 32, memoryMb: 65536 },
      capacity: { cpus: undefined, memoryMb: undefined },
      backfillWaitMs: 60_000,
      retentionMs: undefined,
      jobsReachHost: false,
      dockerConcurrency: 32,
      dockerHost: undefined,
      runtime: 'docker',
    });
  });

  it('reads CJM_CAPACITY_CPUS (decimals) and CJM_CAPACITY_MEMORY_MB, unset meaning the host`s; a bad one stops start naming it', () => {
    expect(loadConfig({}).capacity).toEqual({ cpus: undefined, memoryMb: undefined });
    expect(loadConfig({ CJM_CAPACITY_CPUS: '1.5', CJM_CAPACITY_MEMORY_MB: '2048' }).capacity).toEqual({ cpus: 1.5, memoryMb: 2048 });
    for (const bad of ['0', '-1', 'two', '1,5', '2000']) {
      const e = configError({ CJM_CAPACITY_CPUS: bad });
      expect(e.variable, bad).toBe('CJM_CAPACITY_CPUS');
      expect(e.message).toMatch(/^CJM_CAPACITY_CPUS: must be/);
    }
    for (const bad of ['5', '1.5', 'lots', '99999999']) {
      const e = configError({ CJM_CAPACITY_MEMORY_MB: bad });
      expect(e.variable, bad).toBe('CJM_CAPACITY_MEMORY_MB');
      expect(e.message).toMatch(/^CJM_CAPACITY_MEMORY_MB: must be/);
    }
  });

  it('reads CJM_QUEUE_BACKFILL_SECONDS as whole seconds (0: no backfill), and stops on a bad one naming it', () => {
    expect(loadConfig({ CJM_QUEUE_BACKFILL_SECONDS: '0' }).backfillWaitMs).toBe(0);
    expect(loadConfig({ CJM_QUEUE_BACKFILL_SECONDS: '300' }).backfillWaitMs).toBe(300_000);
    expect(loadConfig({ CJM_QUEUE_BACKFILL_SECONDS: '' }).backfillWaitMs).toBe(60_000);
    for (const [bad, reason] of [
      ['-1', 'must be a whole number'],
      ['1.5', 'must be a whole number'],
      ['60s', 'must be a whole number'],
      ['86401', 'must be at most 86400'],
    ]) {
      const e = configError({ CJM_QUEUE_BACKFILL_SECONDS: bad });
      expect(e.variable, bad).toBe('CJM_QUEUE_BACKFILL_SECONDS');
      expect(e.message).toBe(`CJM_QUEUE_BACKFILL_SECONDS: ${reason}`);
    }
  });

  it('reads CJM_RETENTION as a duration, and stops on a bad one naming it', () => {
    expect(loadConfig({ CJM_RETENTION: '7d' }).retentionMs).toBe(7 * 24 * 3600 * 1000);
    expect(loadConfig({ CJM_RETENTION: '12h' }).retentionMs).toBe(12 * 3600 * 1000);
    expect(loadConfig({ CJM_RETENTION: '30m' }).retentionMs).toBe(30 * 60 * 1000);
    expect(loadConfig({ CJM_RETENTION: '' }).retentionMs).toBeUndefined();
    for (const bad of ['7', '0d', '1w', '-1d', '1.5h', '7 d', 'forever', '4000d']) {
      const e = configError({ CJM_RETENTION: bad });
      expect(e.variable, bad).toBe('CJM_RETENTION');
      expect(e.message).toMatch(/^CJM_RETENTION: must be a whole number and a unit/);
    }
  });

  it('is frozen, nested parts too', () => {
    const c = loadConfig({});
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.listen)).toBe(true);
    expect(Object.isFrozen(c.rateLimit)).toBe(true);
  });

  it('reads every variable', () => {
    const c = loadConfig({
      CJM_LISTEN: '0.0.0.0:0',
      CJM_DATABASE_URL: 'mysql://u:p@db.example:3307/jobs',
      CJM_DATA_DIR: '/tmp/cjm',
      CJM_ADMIN_TOKEN: 'x'.repeat(16),
      CJM_ADMIN_USER: 'root.user',
      CJM_LOG_LEVEL: 'debug',
      CJM_LOG_MAX_BYTES: '1048576',
      CJM_RATE_LIMIT: '0',
      CJM_RATE_BURST: '5',
      CJM_SECURE_COOKIES: 'true',
      CJM_QUOTA_JOBS: '3',
      CJM_QUOTA_CPUS: '4',
      CJM_QUOTA_MEMORY_MB: '2048',
      CJM_QUEUE_BACKFILL_SECONDS: '5',
      CJM_JOBS_REACH_HOST: 'true',
      CJM_DOCKER_CONCURRENCY: '2',
      DOCKER_HOST: 'unix:///run/docker.sock',
      CJM_RUNTIME: 'swarm',
    });
    expect(c).toMatchObject({
      listen: { host: '0.0.0.0', port: 0 },
      databaseUrl: 'mysql://u:p@db.example:3307/jobs',
      dataDir: '/tmp/cjm',
      adminToken: 'x'.repeat(16),
      adminUser: 'root.user',
      logLevel: 'debug',
      logMaxBytes: 1048576,
      rateLimit: { perSecond: 0, burst: 5 },
      secureCookies: true,
      quotas: { jobs: 3, cpus: 4, memoryMb: 2048 },
      backfillWaitMs: 5000,
      jobsReachHost: true,
      dockerConcurrency: 2,
      dockerHost: 'unix:///run/docker.sock',
      runtime: 'swarm',
    });
  });

  it('takes IPv6 listen addresses in brackets', () => {
    expect(loadConfig({ CJM_LISTEN: '[::1]:5000' }).listen).toEqual({ host: '::1', port: 5000 });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ CJM_LISTEN: '', CJM_ADMIN_TOKEN: '' })).toMatchObject({ listen: { port: 5000 }, adminToken: undefined });
  });

  it.each([
    ['CJM_LISTEN', '5000', /host:port/],
    ['CJM_LISTEN', 'localhost:70000', /host:port/],
    ['CJM_LISTEN', 'local host:80', /host:port/],
    ['CJM_DATABASE_URL', 'not a url', /URL/],
    ['CJM_DATABASE_URL', 'postgres://u@h/db', /mysql:\/\//],
    ['CJM_DATABASE_URL', 'mysql://u:p@h:3306/', /database/],
    // Checked by the pool's own parser: a URL the pool would refuse stops the start here.
    ['CJM_DATABASE_URL', 'mysql://h:3306/cjm', /user/],
    ['CJM_DATA_DIR', 'relative/dir', /absolute/],
    ['CJM_ADMIN_TOKEN', 'short', /at least 16/],
    ['CJM_ADMIN_TOKEN', 'has a space in it ok', /spaces/],
    ['CJM_ADMIN_USER', '-bad', /letters/],
    ['CJM_LOG_LEVEL', 'verbose', /one of fatal, error/],
    ['CJM_LOG_MAX_BYTES', '64MiB', /whole number/],
    ['CJM_LOG_MAX_BYTES', '10', /at least/],
    ['CJM_RATE_BURST', '0', /at least 1/],
    ['CJM_SECURE_COOKIES', 'maybe', /./],
    ['CJM_JOBS_REACH_HOST', 'sometimes', /./],
    ['CJM_QUOTA_JOBS', '0', /at least 1/],
    ['CJM_QUOTA_MEMORY_MB', 'lots', /whole number/],
    ['CJM_DOCKER_CONCURRENCY', '0', /at least 1/],
    ['CJM_DOCKER_CONCURRENCY', '257', /at most 256/],
    ['DOCKER_HOST', '/var/run/docker.sock', /unix:\/\/\//],
    ['DOCKER_HOST', 'tcp://host', /tcp:\/\/host:port/],
    ['CJM_RUNTIME', 'kubernetes', /docker or swarm/],
  ])('%s=%j stops start-up with one line naming it', (name, value, reason) => {
    const e = configError({ [name]: value });
    expect(e.variable).toBe(name);
    expect(e.message.startsWith(`${name}: `)).toBe(true);
    expect(e.message).toMatch(reason);
    expect(e.message).not.toContain('\n');
  });

  it('never echoes the admin token in its error', () => {
    expect(configError({ CJM_ADMIN_TOKEN: 'secret1' }).message).not.toContain('secret1');
  });
});

describe('redactDatabaseUrl', () => {
  it('hides the password', () => {
    expect(redactDatabaseUrl('mysql://cjm:hunter2@127.0.0.1:3306/cjm')).toBe('mysql://cjm:***@127.0.0.1:3306/cjm');
  });
});
