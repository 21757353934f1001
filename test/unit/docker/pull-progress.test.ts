import { describe, expect, it } from 'vitest';
import { createPullProgress, pullFailureCause } from '../../../server/adapters/docker/pull-progress.js';
import { withDefaultTag } from '../../../server/adapters/docker/pull.js';

describe('pull progress', () => {
  it('aggregates bytes across layers, downloading and extracting each half', () => {
    const p = createPullProgress();
    expect(p.update({ status: 'Pulling from library/x', id: 'latest' })).toBeNull();
    expect(p.update({ status: 'Already exists', id: 'base' })).toBeNull();
    expect(p.update({ status: 'Pulling fs layer', id: 'a' })).toBeNull();
    p.update({ status: 'Pulling fs layer', id: 'b' });
    expect(p.update({ status: 'Downloading', id: 'a', progressDetail: { current: 50, total: 100 } })).toBe(25);
    expect(p.update({ status: 'Downloading', id: 'b', progressDetail: { current: 0, total: 300 } })).toBe(6);
    expect(p.update({ status: 'Download complete', id: 'a' })).toBe(12);
    expect(p.update({ status: 'Downloading', id: 'b', progressDetail: { current: 300, total: 300 } })).toBe(50);
    expect(p.update({ status: 'Extracting', id: 'a', progressDetail: { current: 100, total: 100 } })).toBe(62);
    p.update({ status: 'Pull complete', id: 'a' });
    expect(p.update({ status: 'Pull complete', id: 'b' })).toBe(99);
  });

  it('names the cause', () => {
    expect(pullFailureCause('manifest for 127.0.0.1:5001/nope:latest not found: manifest unknown: manifest unknown')).toMatch(/^not found in registry/);
    expect(pullFailureCause('pull access denied for nope, repository does not exist or may require \'docker login\'')).toMatch(/^not found in registry/);
    expect(pullFailureCause('Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host')).toMatch(/^registry unreachable: Get/);
    expect(pullFailureCause('something odd')).toBe('pull failed: something odd');
  });

  it('pulls :latest when no tag is given, never every tag', () => {
    expect(withDefaultTag('busybox')).toBe('busybox:latest');
    expect(withDefaultTag('127.0.0.1:5001/team/app')).toBe('127.0.0.1:5001/team/app:latest');
    expect(withDefaultTag('127.0.0.1:5001/app:v1')).toBe('127.0.0.1:5001/app:v1');
    expect(withDefaultTag(`alpine@sha256:${'a'.repeat(64)}`)).toBe(`alpine@sha256:${'a'.repeat(64)}`);
  });
});
