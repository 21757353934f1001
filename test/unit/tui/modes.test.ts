import { describe, expect, it } from 'vitest';
import { createFormState, formFields } from '../../../tui/form.js';
import { confirmStep } from '../../../tui/modes/confirm.js';
import { filterStep } from '../../../tui/modes/filter.js';
import { formStep } from '../../../tui/modes/form.js';
import { helpStep } from '../../../tui/modes/help.js';
import type { StepContext } from '../../../tui/modes/mode.js';
import { saveStep } from '../../../tui/modes/save.js';
import { searchStep } from '../../../tui/modes/search.js';
import { paneStep } from '../../../tui/modes/table.js';
import { makeJob } from '../../support/job.js';

// Each mode's step is pure: a key in, the next mode and the effects out.

const press = (key: string, ch: string | undefined = key.length === 1 ? key : undefined) => ({ key, ch });
const job = makeJob({ id: 3, name: 'victim' });
const ctx: StepContext = { selected: job, filter: '', finished: 0, allLoaded: true, taken: (name) => name === 'victim' };

describe('pane step (table and log)', () => {
  it('dangerous bindings ask first, naming the job; the rest act at once', () => {
    expect(paneStep({ kind: 'table' }, press('s'), ctx)).toEqual({ mode: { kind: 'confirm', pending: { action: 'stop', job }, back: 'table' }, effects: [] });
    expect(paneStep({ kind: 'log' }, press('K'), ctx).mode).toEqual({ kind: 'confirm', pending: { action: 'kill', job }, back: 'log' });
    expect(paneStep({ kind: 'table' }, press('d'), ctx).mode).toMatchObject({ kind: 'confirm', pending: { action: 'remove' } });
    expect(paneStep({ kind: 'table' }, press('r'), ctx)).toEqual({ mode: { kind: 'table' }, effects: [{ kind: 'do', action: 'refresh', job }] });
    expect(paneStep({ kind: 'table' }, press('j'), ctx).effects).toEqual([{ kind: 'do', action: 'down', job }]);
  });
  it('a second s on a stopping job offers the kill', () => {
    const stopping = { ...job, progress: 'stopping' };
    expect(paneStep({ kind: 'table' }, press('s'), { ...ctx, selected: stopping }).mode).toMatchObject({ kind: 'confirm', pending: { action: 'kill' } });
  });
  it('a job action without a selection says so and stays', () => {
    expect(paneStep({ kind: 'table' }, press('s'), { ...ctx, selected: undefined })).toEqual({ mode: { kind: 'table' }, effects: [{ kind: 'say', text: 'no job selected', error: true }] });
  });
  it('mode keys: Enter to logs, Esc back, / filter or search (empty), ? help, q quits', () => {
    expect(paneStep({ kind: 'table' }, press('enter'), ctx).mode).toEqual({ kind: 'log' });
    expect(paneStep({ kind: 'log' }, press('escape'), ctx).mode).toEqual({ kind: 'table' });
    expect(paneStep({ kind: 'table' }, press('/'), { ...ctx, filter: 'we' }).mode).toEqual({ kind: 'filter', text: 'we' });
    expect(paneStep({ kind: 'log' }, press('/'), ctx).mode).toEqual({ kind: 'search', text: '' });
    expect(paneStep({ kind: 'log' }, press('?'), ctx).mode).toEqual({ kind: 'help', back: 'log', scroll: 0 });
    expect(paneStep({ kind: 'table' }, press('q'), ctx).effects).toEqual([{ kind: 'quit' }]);
  });
  it('Esc in the table clears a filter', () => {
    expect(paneStep({ kind: 'table' }, press('escape'), { ...ctx, filter: 'we' }).effects).toEqual([{ kind: 'filter', text: '' }]);
    expect(paneStep({ kind: 'table' }, press('escape'), ctx).effects).toEqual([]);
  });
});

describe('clone', () => {
  it('c opens the form filled from the job under the next free name', () => {
    const from = makeJob({ id: 3, name: 'web', cmd: 'httpd -f -p 8000', cpus: 1, memoryMb: 64, env: { A: '1' }, timeoutSeconds: 30 });
    const step = paneStep({ kind: 'table' }, press('c'), { ...ctx, selected: from, taken: (n) => n === 'web-2' });
    expect(step.mode).toMatchObject({ kind: 'form', form: { cloneOf: 3, values: { name: 'web-3', command: 'httpd -f -p 8000', cpus: '1', memoryMb: '64', env: 'A=1', timeout: '30' } } });
  });
  it('R re-runs at once', () => {
    expect(paneStep({ kind: 'table' }, press('R'), ctx).effects).toEqual([{ kind: 'do', action: 'rerun', job }]);
  });
});

describe('bulk remove', () => {
  it('X asks with the count of finished jobs, and does nothing without any', () => {
    expect(paneStep({ kind: 'table' }, press('X'), { ...ctx, finished: 4 }).mode).toEqual({ kind: 'confirm', pending: { action: 'removeFinished', job: undefined, count: 4 }, back: 'table' });
    expect(paneStep({ kind: 'table' }, press('X'), ctx)).toEqual({ mode: { kind: 'table' }, effects: [{ kind: 'say', text: 'no finished jobs to remove' }] });
  });

  it('X asks anyway when the list holds only part of the jobs (a filter, pages not read): the server may have finished ones', () => {
    expect(paneStep({ kind: 'table' }, press('X'), { ...ctx, allLoaded: false }).mode).toEqual({ kind: 'confirm', pending: { action: 'removeFinished', job: undefined, count: 0, partial: true }, back: 'table' });
  });
});

describe('confirm step', () => {
  const mode = { kind: 'confirm' as const, pending: { action: 'stop' as const, job }, back: 'log' as const };
  it('y carries the action out and goes back to the pane', () => {
    expect(confirmStep(mode, press('y'))).toEqual({ mode: { kind: 'log' }, effects: [{ kind: 'do', action: 'stop', job }] });
  });
  it('any other key cancels', () => {
    expect(confirmStep(mode, press('n'))).toEqual({ mode: { kind: 'log' }, effects: [{ kind: 'say', text: 'cancelled' }] });
    expect(confirmStep(mode, press('escape')).effects[0]).toMatchObject({ kind: 'say', text: 'cancelled' });
  });
});

describe('filter step', () => {
  it('narrows as you type; Enter keeps, Esc clears, Ctrl-U empties', () => {
    let s = filterStep({ kind: 'filter', text: '' }, press('w'));
    expect(s).toEqual({ mode: { kind: 'filter', text: 'w' }, effects: [{ kind: 'filter', text: 'w' }] });
    expect(filterStep({ kind: 'filter', text: 'we' }, press('enter'))).toEqual({ mode: { kind: 'table' }, effects: [] });
    expect(filterStep({ kind: 'filter', text: 'we' }, press('escape'))).toEqual({ mode: { kind: 'table' }, effects: [{ kind: 'filter', text: '' }] });
    s = filterStep({ kind: 'filter', text: 'we' }, press('C-u'));
    expect(s.effects).toEqual([{ kind: 'filter', text: '' }]);
    expect(filterStep({ kind: 'filter', text: 'we' }, press('backspace')).effects).toEqual([{ kind: 'filter', text: 'w' }]);
  });
});

describe('search step', () => {
  it('types a term, Enter searches, Esc clears the search, Ctrl-U empties the prompt', () => {
    expect(searchStep({ kind: 'search', text: 'ne' }, press('e')).mode).toEqual({ kind: 'search', text: 'nee' });
    expect(searchStep({ kind: 'search', text: 'nee' }, press('enter'))).toEqual({ mode: { kind: 'log' }, effects: [{ kind: 'search', text: 'nee' }] });
    expect(searchStep({ kind: 'search', text: 'nee' }, press('escape'))).toEqual({ mode: { kind: 'log' }, effects: [{ kind: 'search', text: '' }] });
    expect(searchStep({ kind: 'search', text: 'nee' }, press('C-u')).mode).toEqual({ kind: 'search', text: '' });
  });
});

describe('save step (w)', () => {
  it('w offers ./<name>.log for the selected job; typing edits it, Enter saves there, Esc goes back', () => {
    const prompt = paneStep({ kind: 'log' }, press('w'), ctx).mode;
    expect(prompt).toEqual({ kind: 'save', text: './victim.log', job, back: 'log' });
    const mode = { kind: 'save' as const, text: './victim.log', job, back: 'log' as const };
    expect(saveStep(mode, press('C-w')).mode).toMatchObject({ text: '' });
    expect(saveStep(mode, press('backspace')).mode).toMatchObject({ text: './victim.lo' });
    expect(saveStep({ ...mode, text: '/tmp/x' }, press('2'))).toEqual({ mode: { ...mode, text: '/tmp/x2' }, effects: [] });
    expect(saveStep(mode, press('enter'))).toEqual({ mode: { kind: 'log' }, effects: [{ kind: 'save', job, path: './victim.log' }] });
    expect(saveStep({ ...mode, back: 'table' }, press('escape'))).toEqual({ mode: { kind: 'table' }, effects: [] });
  });
  it('an empty path is refused, naming the field, and the prompt stays', () => {
    const mode = { kind: 'save' as const, text: '  ', job, back: 'table' as const };
    expect(saveStep(mode, press('enter'))).toEqual({ mode, effects: [{ kind: 'say', text: 'path: type where to write the log', error: true }] });
  });
  it('w without a selected job says so', () => {
    expect(paneStep({ kind: 'table' }, press('w'), { ...ctx, selected: undefined }).effects).toEqual([{ kind: 'say', text: 'no job selected', error: true }]);
  });
});

describe('help step', () => {
  const limits = { page: 5, max: 12 };
  it('scrolls within the help and closes on Esc, ? or q', () => {
    const mode = { kind: 'help' as const, back: 'table' as const, scroll: 0 };
    expect(helpStep(mode, press('j'), limits).mode).toMatchObject({ scroll: 1 });
    expect(helpStep(mode, press('k'), limits).mode).toMatchObject({ scroll: 0 });
    expect(helpStep(mode, press('pagedown'), limits).mode).toMatchObject({ scroll: 4 });
    expect(helpStep({ ...mode, scroll: 10 }, press('pagedown'), limits).mode).toMatchObject({ scroll: 12 });
    for (const k of ['escape', '?', 'q']) expect(helpStep(mode, press(k), limits).mode).toEqual({ kind: 'table' });
  });
});

describe('form step', () => {
  it('Esc on an untouched form closes it; with typing in it asks first', () => {
    expect(formStep({ kind: 'form', form: createFormState() }, press('escape')).mode).toEqual({ kind: 'table' });
    const typed = formStep({ kind: 'form', form: createFormState() }, press('x')).mode;
    const asking = formStep(typed as never, press('escape')).mode;
    expect(asking).toMatchObject({ kind: 'form', form: { discarding: true, values: { name: 'x' } } });
    // Any key but y goes back to the form with everything typed.
    expect(formStep(asking as never, press('n')).mode).toMatchObject({ kind: 'form', form: { discarding: false, values: { name: 'x' } } });
    expect(formStep(asking as never, press('y')).mode).toEqual({ kind: 'table' });
  });
  it('submits on Enter in the last field or Ctrl-S', () => {
    const last = { ...createFormState(), focus: formFields.length - 1 };
    expect(formStep({ kind: 'form', form: last }, press('enter')).effects).toEqual([{ kind: 'submit', form: last }]);
    expect(formStep({ kind: 'form', form: createFormState() }, press('enter')).effects).toEqual([]);
    expect(formStep({ kind: 'form', form: createFormState() }, press('C-s')).effects).toHaveLength(1);
  });
});
