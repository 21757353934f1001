import { describe, expect, it } from 'vitest';
import { containerIp, containerState } from '../../../server/adapters/docker/container-state.js';

describe('the container address from inspect', () => {
  it('reads the default bridge address, or the first network that has one', () => {
    expect(containerIp({ IPAddress: '172.17.0.3', Networks: { bridge: { IPAddress: '172.17.0.3' } } })).toBe('172.17.0.3');
    expect(containerIp({ IPAddress: '', Networks: { none: { IPAddress: '' }, mynet: { IPAddress: '10.1.0.2' } } })).toBe('10.1.0.2');
    expect(containerIp({ IPAddress: '', Networks: { none: { IPAddress: '' } } })).toBeNull();
    expect(containerIp(undefined)).toBeNull();
  });

  it('is null unless the container runs', () => {
    const net = { IPAddress: '172.17.0.3' };
    expect(containerState({ Status: 'running', Running: true }, net).ip).toBe('172.17.0.3');
    expect(containerState({ Status: 'exited', Running: false, ExitCode: 0 }, net).ip).toBeNull();
  });
});
