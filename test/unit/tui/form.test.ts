import { describe, expect, it } from 'vitest';
import { jobDefaults } from '../../../server/protocol/index.js';
import { createFormState, fieldForServerPath, formFields, formKey, presets, serverErrors, toSpec, withError, withErrors } from '../../../tui/form.js';

function type(text: string, state = createFormState()) {
  for (const ch of text) state = formKey(state, ch, ch).state;
  return state;
}

describe('create form', () => {
  it('types into the focused field and moves with Tab / arrows', () => {
    let s = type('hello');
    s = formKey(s, 'tab', undefined).state; // image
    s = formKey(s, 'tab', undefined).state; // command
    s = type('echo hi', s);
    s = formKey(s, 'up', undefined).state;
    s = formKey(s, 'backspace', undefined).state;
    expect(s.values).toMatchObject({ name: 'hello', image: 'busyboJ'.slice(0, 6), command: 'echo hi' });
  });
  it('Enter moves to the next field and submits on the last one; Ctrl-S submits anywhere; Esc cancels', () => {
    const first = formKey(createFormState(), 'enter', '\r');
    expect(first.intent).toBeUndefined();
    expect(first.state.focus).toBe(1);
    const last = { ...createFormState(), focus: formFields.length - 1 };
    expect(formKey(last, 'enter', '\r').intent).toBe('submit');
    expect(formKey(createFormState(), 'C-s', undefined).intent).toBe('submit');
    expect(formKey(createFormState(), 'escape', undefined).intent).toBe('cancel');
  });
  it('builds a JobSpec', () => {
    const s = createFormState();
    const r = toSpec({ ...s.values, name: 'j1', command: 'echo hi', cpus: '0.5', memoryMb: '64', env: 'A=1 B=x=y', network: 'none', timeout: '30' });
    expect(r).toEqual({ ok: true, spec: { name: 'j1', image: 'busybox', cmd: 'echo hi', cpus: 0.5, memoryMb: 64, ioWeight: 500, pidsLimit: 512, timeoutSeconds: 30, env: { A: '1', B: 'x=y' }, network: 'none' } });
    expect(toSpec({ ...s.values, ports: '8000, 8080' })).toMatchObject({ ok: true, spec: { ports: [8000, 8080] } });
  });
  it('says which fields are not numbers, KEY=VALUE or ports, all at once', () => {
    const s = createFormState().values;
    expect(toSpec({ ...s, cpus: 'lots' })).toEqual({ ok: false, errors: [{ field: 'cpus', reason: 'must be a number' }] });
    const r = toSpec({ ...s, cpus: 'x', memoryMb: '', env: 'NOEQ', ports: 'http' });
    expect(r.ok ? [] : r.errors.map((e) => e.field)).toEqual(['cpus', 'memoryMb', 'env', 'ports']);
  });
  it('one default memory, from the contract', () => {
    expect(createFormState().values.memoryMb).toBe(String(jobDefaults.memoryMb));
  });
  it('Ctrl-P cycles the README examples', () => {
    let s = formKey(createFormState(), 'C-p', undefined).state;
    expect(s.values).toMatchObject({ name: 'teste-hello', memoryMb: '128' });
    s = formKey(s, 'C-p', undefined).state;
    expect(s.values).toMatchObject({ name: 'webserver', command: 'httpd -f -p 8000' });
    for (let i = 0; i < presets.length; i++) s = formKey(s, 'C-p', undefined).state;
    expect(s.values.name).toBe('webserver');
  });
  it('every server error goes to its field; one on no field goes to the message', () => {
    const e = withErrors(createFormState(), serverErrors([{ field: 'name', reason: 'bad' }, { field: 'cpus', reason: 'too many' }, { field: 'memoryMb', reason: 'too much' }, { field: 'pidsLimit', reason: 'too few' }, { field: 'constraints', reason: 'swarm only' }]));
    expect(e.errors).toEqual({ name: 'bad', cpus: 'too many', memoryMb: 'too much', pidsLimit: 'too few' });
    expect(e.message).toBe('constraints: swarm only');
    expect(e.focus).toBe(0);
  });
  it('maps server field paths to form fields', () => {
    expect(fieldForServerPath('cmd')).toBe('command');
    expect(fieldForServerPath('env.1BAD')).toBe('env');
    expect(fieldForServerPath('timeoutSeconds')).toBe('timeout');
    expect(fieldForServerPath('pidsLimit')).toBe('pidsLimit');
    expect(fieldForServerPath('constraints')).toBeUndefined();
  });
  it('an error keeps every typed value and focuses the bad field', () => {
    const s = type('bad name!');
    const e = withError(s, 'cpus', 'must be at most 2');
    expect(e.values.name).toBe('bad name!');
    expect(e.errors).toEqual({ cpus: 'must be at most 2' });
    expect(e.focus).toBe(3);
    expect(withError(s, undefined, 'quota exceeded').message).toBe('quota exceeded');
  });
});
