import { actionFor, type KeyContext } from '../keys.js';
import { cloneForm, createFormState } from '../form.js';
import { stay, type KeyPress, type Mode, type Step, type StepContext } from './mode.js';

// The two panes (job table, log pane): a key is looked up in the key table; mode changes happen
// here, dangerous bindings go to the confirm mode first, everything else is a `do` effect.

export function paneStep(mode: Extract<Mode, { kind: 'table' | 'log' }>, { key }: KeyPress, ctx: StepContext): Step {
  const context: KeyContext = mode.kind;
  const binding = actionFor(context, key);
  if (!binding) return stay(mode);
  const job = ctx.selected;
  if (binding.needsJob && !job) return stay(mode, { kind: 'say', text: 'no job selected', error: true });
  switch (binding.action) {
    case 'focusLogs':
      return stay({ kind: 'log' });
    case 'back':
      return stay({ kind: 'table' });
    case 'nextPane':
      return stay(context === 'log' ? { kind: 'table' } : { kind: 'log' });
    case 'create':
      return stay({ kind: 'form', form: createFormState() });
    case 'clone':
      return job ? stay({ kind: 'form', form: cloneForm(job, ctx.taken) }) : stay(mode);
    case 'filter':
      return stay({ kind: 'filter', text: ctx.filter });
    case 'clearFilter':
      return ctx.filter ? stay(mode, { kind: 'filter', text: '' }) : stay(mode);
    case 'search':
      // An empty prompt: typing starts a new term (the last one stays on n/N until replaced).
      return stay({ kind: 'search', text: '' });
    case 'save':
      return job ? stay({ kind: 'save', text: `./${job.name}.log`, job, back: context }) : stay(mode);
    case 'help':
      return stay({ kind: 'help', back: context, scroll: 0 });
    case 'quit':
      return stay(mode, { kind: 'quit' });
  }
  if (binding.action === 'removeFinished') {
    if (ctx.finished === 0 && ctx.allLoaded) return stay(mode, { kind: 'say', text: 'no finished jobs to remove' });
    return stay({ kind: 'confirm', pending: { action: 'removeFinished', job: undefined, count: ctx.finished, ...(ctx.allLoaded ? {} : { partial: true }) }, back: context });
  }
  // A second stop on a job that is already stopping offers the kill instead.
  const action = binding.action === 'stop' && job?.progress === 'stopping' ? 'kill' : binding.action;
  if (binding.dangerous) return stay({ kind: 'confirm', pending: { action, job }, back: context });
  return stay(mode, { kind: 'do', action, job });
}
