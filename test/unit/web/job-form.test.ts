import { describe, expect, it } from 'vitest';
import { ErrorCode, RpcError, invalidParams } from '../../../server/protocol/index.js';
import { emptyJobForm, errorsFromRpc, fieldFor, formValuesFrom, parseEnv, parseJobForm } from '../../../web/job-form.js';

const form = (over: Partial<typeof emptyJobForm> = {}) => ({ ...emptyJobForm, name: 'a', cmd: 'echo hi', ...over });

describe('the create form', () => {
  it('turns typed text into a spec', () => {
    const r = parseJobForm(form({ cpus: '0.25', memoryMb: '64', ioWeight: '700', timeoutSeconds: '30', env: 'A=1\n# note\n\nB=x=y', network: 'none' }));
    expect(r).toEqual({
      ok: true,
      spec: { name: 'a', image: 'busybox', cmd: 'echo hi', cpus: 0.25, memoryMb: 64, ioWeight: 700, timeoutSeconds: 30, env: { A: '1', B: 'x=y' }, network: 'none' },
    });
  });

  it('leaves empty optional numbers out and empty required ones to the server', () => {
    const r = parseJobForm(form({ cpus: '', timeoutSeconds: '', ioWeight: '' }));
    expect(r.ok && r.spec).not.toHaveProperty('cpus');
    expect(r.ok && r.spec).not.toHaveProperty('timeoutSeconds');
    expect(r.ok && r.spec).not.toHaveProperty('ioWeight');
  });

  it('refuses what only the form can get wrong, per field', () => {
    expect(parseJobForm(form({ cpus: 'lots' }))).toEqual({ ok: false, errors: { fields: { cpus: 'must be a number' } } });
    expect(parseJobForm(form({ env: 'A=1\nnope' }))).toEqual({ ok: false, errors: { fields: { env: 'line 2: write KEY=VALUE' } } });
    expect(parseJobForm(form({ network: 'host' }))).toEqual({ ok: false, errors: { fields: { network: 'must be bridge or none' } } });
  });

  it('keeps only known string fields from a body; a missing one is empty, not a default', () => {
    const v = formValuesFrom({ name: 'x', cpus: '1', extra: 'y', env: 5 });
    expect(v).toEqual({ name: 'x', image: '', cmd: '', cpus: '1', memoryMb: '', ioWeight: '', timeoutSeconds: '', env: '', network: '' });
  });

  it('parses env lines', () => {
    expect(parseEnv('')).toEqual({});
    expect(parseEnv('=x')).toBe('line 1: write KEY=VALUE');
  });

  it('puts server errors next to the field they name', () => {
    expect(errorsFromRpc(invalidParams('memoryMb', 'must be at least 6'))).toEqual({ fields: { memoryMb: 'must be at least 6' } });
    expect(errorsFromRpc(invalidParams('env.1X', 'names must be letters'))).toEqual({ fields: { env: 'names must be letters' } });
    expect(errorsFromRpc(invalidParams('pidsLimit', 'must be at least 1'))).toEqual({ fields: {}, general: 'pidsLimit: must be at least 1' });
    expect(errorsFromRpc(new RpcError(ErrorCode.NameTaken)).fields.name).toMatch(/already taken/);
    expect(errorsFromRpc(new RpcError(ErrorCode.QuotaExceeded, 'at most 4 CPUs')).general).toBe('Quota exceeded: at most 4 CPUs');
    expect(errorsFromRpc(new RpcError(ErrorCode.DockerUnavailable)).general).toMatch(/Docker is unreachable/);
    expect(errorsFromRpc(new RpcError(ErrorCode.DatabaseUnavailable)).general).toMatch(/database is unreachable/);
    expect(errorsFromRpc(new Error('raw driver text')).general).not.toMatch(/raw driver/);
    expect(fieldFor('argv.0')).toBe('cmd');
    expect(fieldFor('params')).toBeUndefined();
  });
});
