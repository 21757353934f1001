import { isPrintable } from '../form.js';
import { stay, type KeyPress, type Mode, type Step } from './mode.js';

// The log search prompt: starts empty; Enter searches (the first match from the top of what is
// held), Esc clears the search, Ctrl-U empties the prompt.

export function searchStep(mode: Extract<Mode, { kind: 'search' }>, { key, ch }: KeyPress): Step {
  const edit = (text: string): Step => stay({ kind: 'search', text });
  switch (key) {
    case 'enter':
      return stay({ kind: 'log' }, { kind: 'search', text: mode.text });
    case 'escape':
      return stay({ kind: 'log' }, { kind: 'search', text: '' });
    case 'backspace':
      return edit(mode.text.slice(0, -1));
    case 'C-u':
      return edit('');
    case 'C-w':
      return edit(mode.text.replace(/\S*\s*$/, ''));
  }
  return ch && isPrintable(ch) ? edit(mode.text + ch) : stay(mode);
}
