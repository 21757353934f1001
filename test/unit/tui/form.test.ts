import { describe, expect, it } from 'vitest';
import { createFormState, fieldForServerPath, formFields, formKey, toSpec, withError } from '../../../tui/form.js';

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
    expect(r).toEqual({ ok: true, spec: { name: 'j1', image: 'busybox', cmd: 'echo hi', cpus: 0.5, memoryMb: 64, ioWeight: 500, timeoutSeconds: 30, env: { A: '1', B: 'x=y' }, network: 'none' } });
  });
  it('says which field is not a number or not KEY=VALUE', () => {
    const s = createFormState().values;
    expect(toSpec({ ...s, cpus: 'lots' })).toEqual({ ok: false, field: 'cpus', reason: 'must be a number' });
    expect(toSpec({ ...s, env: 'NOEQ' })).toMatchObject({ ok: false, field: 'env' });
  });
  it('maps server field paths to form fields', () => {
    expect(fieldForServerPath('cmd')).toBe('command');
    expect(fieldForServerPath('env.1BAD')).toBe('env');
    expect(fieldForServerPath('timeoutSeconds')).toBe('timeout');
    expect(fieldForServerPath('pidsLimit')).toBeUndefined();
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
