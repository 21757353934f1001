import { formKey, isDirty } from '../form.js';
import { stay, type KeyPress, type Mode, type Step } from './mode.js';

// The create form: typing goes to formKey; Esc on a form with something typed asks before throwing
// it away; a submit becomes an effect (the app calls job.create and maps errors back to fields).

export function formStep(mode: Extract<Mode, { kind: 'form' }>, { key, ch }: KeyPress): Step {
  const form = mode.form;
  if (form.submitting) return stay(mode);
  if (form.discarding) {
    if (ch === 'y' || ch === 'Y') return stay({ kind: 'table' }, { kind: 'say', text: 'new job discarded' });
    return stay({ kind: 'form', form: { ...form, discarding: false } });
  }
  const { state, intent } = formKey(form, key, ch);
  if (intent === 'cancel') return isDirty(form) ? stay({ kind: 'form', form: { ...form, discarding: true } }) : stay({ kind: 'table' });
  if (intent === 'submit') return stay({ kind: 'form', form: state }, { kind: 'submit', form: state });
  return stay({ kind: 'form', form: state });
}
