import { describe, expect, it } from 'vitest';
import { containerConfig, userNetworkLabel } from '../../../server/adapters/docker/container-config.js';
import { hostAccessRules } from '../../../server/adapters/docker/host-access.js';
import { bridgeName, isPoolExhausted, userHash, userNetworkConfig, userNetworkName } from '../../../server/adapters/docker/user-networks.js';
import { testJob } from '../../support/docker.js';

describe('user network naming', () => {
  it('is one stable name per user, different for another user or another instance', () => {
    expect(userHash('alice', 'cjm')).toBe(userHash('alice', 'cjm'));
    expect(userHash('alice', 'cjm')).not.toBe(userHash('bob', 'cjm'));
    expect(userHash('alice', 'cjm')).not.toBe(userHash('alice', 'cjm2'));
    // The separator keeps ("a", "b\0c")-style pairs apart from ("a\0b", "c").
    expect(userHash('b', 'a')).not.toBe(userHash('', 'a\0b'));
    expect(userHash('alice', undefined)).toMatch(/^[0-9a-f]{11}$/);
  });

  it('fits the bridge name in Linux 15 characters', () => {
    const hash = userHash('someone@example.org', 'a-long-instance-name');
    expect(bridgeName(hash)).toMatch(/^cjm-[0-9a-f]{11}$/);
    expect(bridgeName(hash).length).toBeLessThanOrEqual(15);
    expect(userNetworkName(hash)).toBe(`cjm-u-${hash}`);
  });

  it('creates a labelled bridge with inter-container traffic on and an address range from the pools', () => {
    const config = userNetworkConfig('alice', 'test1');
    const hash = userHash('alice', 'test1');
    expect(config).toMatchObject({
      Name: `cjm-u-${hash}`,
      Driver: 'bridge',
      CheckDuplicate: true,
      Labels: { 'cjm.managed': 'true', 'cjm.instance': 'test1', 'cjm.user-hash': hash },
      Options: { 'com.docker.network.bridge.name': `cjm-${hash}`, 'com.docker.network.bridge.enable_icc': 'true' },
    });
    expect(config.IPAM).toBeUndefined();
    expect(userNetworkConfig('alice', undefined).Labels).not.toHaveProperty('cjm.instance');
  });

  it("recognises Docker's pool-exhausted answer", () => {
    expect(isPoolExhausted('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network')).toBe(true);
    expect(isPoolExhausted('network with name cjm-u-1 already exists')).toBe(false);
  });
});

describe('containerConfig with a user network', () => {
  it('joins the network by id and names it in a label', () => {
    const config = containerConfig(testJob({ network: 'bridge' }), { logMaxBytes: 1024 * 1024, userNetwork: { id: 'abc123', name: 'cjm-u-x' } });
    expect(config.HostConfig!.NetworkMode).toBe('abc123');
    expect(config.Labels![userNetworkLabel]).toBe('cjm-u-x');
  });

  it('keeps network none as none, with no label', () => {
    const config = containerConfig(testJob({ network: 'none' }), { logMaxBytes: 1024 * 1024 });
    expect(config.HostConfig!.NetworkMode).toBe('none');
    expect(config.Labels).not.toHaveProperty(userNetworkLabel);
  });
});

describe('host access rules', () => {
  const { jump, rules } = hostAccessRules();

  it('sends every user bridge to one chain that accepts replies, then rejects, each with a comment', () => {
    expect(jump.join(' ')).toMatch(/^INPUT -i cjm-\+ -m comment --comment cjm: .* -j CJM-JOBS-TO-HOST$/);
    expect(rules.map((r) => r.at(-1))).toEqual(['ACCEPT', 'icmp-port-unreachable']);
    expect(rules[0]!.join(' ')).toContain('--ctstate RELATED,ESTABLISHED');
    for (const r of rules) expect(r.join(' ')).toMatch(/--comment cjm: /);
  });
});
