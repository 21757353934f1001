import { describe, expect, it } from 'vitest';
import { ErrorCode, RpcError, invalidParams, invalidParamsList } from '../../../server/protocol/index.js';
import { emptyJobForm, errorsFromRpc, fieldFor, formValuesFrom, parseEnv, parseJobForm } from '../../../web/job-form.js';

const form = (over: Partial<typeof emptyJobForm> = {}) => ({ ...emptyJobForm, name: 'a', cmd: 'echo hi', ...over });

describe('the create form', () => {
  it('turns typed text into a spec', () => {
    const r = parseJobForm(form({ cpus: '0.25', memoryMb: '64', ioWeight: '700', pidsLimit: '100', timeoutSeconds: '30', env: 'A=1\n# note\n\nB=x=y', network: 'bridge', ports: '80, 8000' }));
    expect(r).toEqual({
      ok: true,
      spec: { name: 'a', image: 'busybox', cmd: 'echo hi', cpus: 0.25, memoryMb: 64, ioWeight: 700, pidsLimit: 100, timeoutSeconds: 30, env: { A: '1', B: 'x=y' }, network: 'bridge', ports: [80, 8000] },
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
    expect(parseJobForm(form({ ports: '80 http' }))).toEqual({ ok: false, errors: { fields: { ports: 'must be port numbers separated by commas, e.g. 80, 8000' } } });
  });

  it('with a form-only error, marks the contract\'s complaints about the other fields in the same answer', () => {
    const r = parseJobForm(form({ name: 'bad name!', cpus: 'lots', memoryMb: '1', ioWeight: '5' }));
    expect(r.ok).toBe(false);
    expect(!r.ok && Object.keys(r.errors.fields).sort()).toEqual(['cpus', 'ioWeight', 'memoryMb', 'name']);
    expect(!r.ok && r.errors.fields.cpus).toBe('must be a number');
  });

  it('keeps only known string fields from a body; a missing one is empty, not a default', () => {
    const v = formValuesFrom({ name: 'x', cpus: '1', extra: 'y', env: 5 });
    expect(v).toEqual({ name: 'x', image: '', cmd: '', cpus: '1', memoryMb: '', ioWeight: '', pidsLimit: '', timeoutSeconds: '', env: '', network: '', ports: '' });
  });

  it('parses env lines', () => {
    expect(parseEnv('')).toEqual({});
    expect(parseEnv('=x')).toBe('line 1: write KEY=VALUE');
  });

  it('puts server errors next to the field they name', () => {
    expect(errorsFromRpc(invalidParams('memoryMb', 'must be at least 6'))).toEqual({ fields: { memoryMb: 'must be at least 6' } });
    expect(errorsFromRpc(invalidParams('env.1X', 'names must be letters'))).toEqual({ fields: { env: 'names must be letters' } });
    expect(errorsFromRpc(invalidParams('pidsLimit', 'must be at least 1'))).toEqual({ fields: { pidsLimit: 'must be at least 1' } });
    expect(errorsFromRpc(invalidParams('constraints', 'swarm only'))).toEqual({ fields: {}, general: 'constraints: swarm only' });
    expect(
      errorsFromRpc(invalidParamsList([{ field: 'name', reason: 'bad' }, { field: 'memoryMb', reason: 'small' }, { field: 'ports.0', reason: 'range' }, { field: 'cpus', reason: 'big' }])),
    ).toEqual({ fields: { name: 'bad', memoryMb: 'small', ports: 'range', cpus: 'big' } });
    expect(errorsFromRpc(new RpcError(ErrorCode.NameTaken)).fields.name).toMatch(/already taken/);
    expect(errorsFromRpc(new RpcError(ErrorCode.QuotaExceeded, 'at most 4 CPUs')).general).toBe('Quota exceeded: at most 4 CPUs');
    expect(errorsFromRpc(new RpcError(ErrorCode.DockerUnavailable)).general).toMatch(/Docker is unreachable/);
    expect(errorsFromRpc(new RpcError(ErrorCode.DatabaseUnavailable)).general).toMatch(/database is unreachable/);
    expect(errorsFromRpc(new Error('raw driver text')).general).not.toMatch(/raw driver/);
    expect(fieldFor('argv.0')).toBe('cmd');
    expect(fieldFor('params')).toBeUndefined();
  });
});
