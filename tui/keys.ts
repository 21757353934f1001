// Keybindings are data (STYLE.md 8): this one table drives the key handlers, the `?` help overlay
// and the status-bar hints. Key names are what the view normalises a keypress to: the printable
// character when there is one ('G', '/', '?'), else blessed's full name ('enter', 'C-c', 'pagedown').

export type KeyContext = 'table' | 'log';

export type Action =
  | 'up'
  | 'down'
  | 'top'
  | 'bottom'
  | 'pageUp'
  | 'pageDown'
  | 'focusLogs'
  | 'back'
  | 'nextPane'
  | 'create'
  | 'clone'
  | 'rerun'
  | 'stop'
  | 'kill'
  | 'remove'
  | 'removeFinished'
  | 'sort'
  | 'refresh'
  | 'filter'
  | 'clearFilter'
  | 'search'
  | 'nextMatch'
  | 'prevMatch'
  | 'follow'
  | 'wrap'
  | 'timestamps'
  | 'save'
  | 'help'
  | 'quit';

export interface KeyBinding {
  keys: readonly string[];
  /** How the key is written in help and hints. */
  label: string;
  action: Action;
  description: string;
  /** The one word in the status bar. */
  hint: string;
  contexts: readonly KeyContext[];
  /** Shown in the status bar (the help overlay shows every binding). */
  visible: boolean;
  /** Asks for confirmation before acting: the confirm mode is entered for every binding with it. */
  dangerous?: boolean;
  /** The confirmation's verb and what it warns of (dangerous bindings). */
  confirm?: { verb: string; warning?: string };
  /** Acts on the selected job ("no job selected" without one). */
  needsJob?: boolean;
}

const both: readonly KeyContext[] = ['table', 'log'];

export const keyBindings: readonly KeyBinding[] = [
  { keys: ['k', 'up'], label: 'k/↑', action: 'up', description: 'move up / scroll up', hint: 'up', contexts: both, visible: false },
  { keys: ['j', 'down'], label: 'j/↓', action: 'down', description: 'move down / scroll down', hint: 'down', contexts: both, visible: false },
  { keys: ['g', 'home'], label: 'g', action: 'top', description: 'go to the top', hint: 'top', contexts: both, visible: false },
  { keys: ['G'], label: 'G', action: 'bottom', description: 'go to the last job', hint: 'bottom', contexts: ['table'], visible: false },
  { keys: ['G', 'end'], label: 'G/End', action: 'follow', description: 'go to the end and follow', hint: 'follow', contexts: ['log'], visible: true },
  { keys: ['pageup', 'C-b'], label: 'PgUp', action: 'pageUp', description: 'page up', hint: 'page up', contexts: both, visible: false },
  { keys: ['pagedown', 'C-f'], label: 'PgDn', action: 'pageDown', description: 'page down', hint: 'page down', contexts: both, visible: false },
  { keys: ['enter', 'l'], label: 'Enter', action: 'focusLogs', description: 'focus the log pane', hint: 'logs', contexts: ['table'], visible: true },
  { keys: ['escape', 'h'], label: 'Esc', action: 'back', description: 'back to the job table', hint: 'back', contexts: ['log'], visible: true },
  { keys: ['tab'], label: 'Tab', action: 'nextPane', description: 'switch pane', hint: 'pane', contexts: both, visible: false },
  { keys: ['n'], label: 'n', action: 'create', description: 'new job', hint: 'new', contexts: ['table'], visible: true },
  { keys: ['c'], label: 'c', action: 'clone', description: 'new job from this one (form filled in)', hint: 'clone', contexts: ['table'], visible: true, needsJob: true },
  { keys: ['R'], label: 'R', action: 'rerun', description: 're-run this job as it was (job.rerun)', hint: 'rerun', contexts: ['table'], visible: false, needsJob: true },
  { keys: ['s'], label: 's', action: 'stop', description: 'stop the job (again while stopping: kill)', hint: 'stop', contexts: both, visible: true, dangerous: true, needsJob: true, confirm: { verb: 'Stop', warning: 'SIGTERM, then SIGKILL after 10 s; the container is kept.' } },
  { keys: ['K'], label: 'K', action: 'kill', description: 'kill the job now (SIGKILL)', hint: 'kill', contexts: both, visible: false, dangerous: true, needsJob: true, confirm: { verb: 'Kill', warning: 'SIGKILL now: the program gets no chance to clean up.' } },
  { keys: ['d'], label: 'd', action: 'remove', description: 'remove the job and its logs', hint: 'remove', contexts: ['table'], visible: true, dangerous: true, needsJob: true, confirm: { verb: 'Remove', warning: 'This deletes the container, the record and its logs.' } },
  { keys: ['X'], label: 'X', action: 'removeFinished', description: 'remove every finished job (exited or error)', hint: 'clear finished', contexts: ['table'], visible: false, dangerous: true, confirm: { verb: 'Remove', warning: 'Their containers, records and logs are deleted.' } },
  { keys: ['o'], label: 'o', action: 'sort', description: 'sort by the next column (newest, name, status)', hint: 'sort', contexts: ['table'], visible: false },
  { keys: ['r'], label: 'r', action: 'refresh', description: 'refresh the job from Docker', hint: 'refresh', contexts: both, visible: true, needsJob: true },
  { keys: ['/'], label: '/', action: 'filter', description: 'filter by name or image (searched on the server)', hint: 'filter', contexts: ['table'], visible: true },
  { keys: ['escape'], label: 'Esc', action: 'clearFilter', description: 'clear the filter', hint: 'clear', contexts: ['table'], visible: false },
  { keys: ['/'], label: '/', action: 'search', description: 'search the log', hint: 'search', contexts: ['log'], visible: true },
  { keys: ['n'], label: 'n', action: 'nextMatch', description: 'next match', hint: 'next', contexts: ['log'], visible: true },
  { keys: ['N'], label: 'N', action: 'prevMatch', description: 'previous match', hint: 'prev', contexts: ['log'], visible: true },
  { keys: ['W'], label: 'W', action: 'wrap', description: 'wrap long log lines (or cut them)', hint: 'wrap', contexts: both, visible: false },
  { keys: ['t'], label: 't', action: 'timestamps', description: 'show when each log line arrived', hint: 'times', contexts: both, visible: false },
  { keys: ['w'], label: 'w', action: 'save', description: 'write the whole log of the job to a file', hint: 'save', contexts: both, visible: false, needsJob: true },
  { keys: ['?'], label: '?', action: 'help', description: 'help', hint: 'help', contexts: both, visible: true },
  { keys: ['q', 'C-c'], label: 'q', action: 'quit', description: 'quit', hint: 'quit', contexts: both, visible: true },
];

/** The binding of an action (the first, when one action has several). */
export function bindingOf(action: Action, table: readonly KeyBinding[] = keyBindings): KeyBinding | undefined {
  return table.find((b) => b.action === action);
}

export function actionFor(context: KeyContext, key: string, table: readonly KeyBinding[] = keyBindings): KeyBinding | undefined {
  return table.find((b) => b.contexts.includes(context) && b.keys.includes(key));
}

/** `n new  s stop  ...` for the status bar, in at most `width` columns: when they do not all fit,
 * hints go from the end, but `? help` and `q quit` stay (help lists the rest). */
export function hints(context: KeyContext, width = Infinity, table: readonly KeyBinding[] = keyBindings): string {
  const all = table.filter((b) => b.visible && b.contexts.includes(context));
  const kept = all.filter((b) => b.action === 'help' || b.action === 'quit');
  const rest = all.filter((b) => !kept.includes(b));
  const text = (bs: readonly KeyBinding[]) => bs.map((b) => `${b.label} ${b.hint}`).join('  ');
  while (rest.length > 0 && text([...rest, ...kept]).length > width) rest.pop();
  return text([...rest, ...kept]);
}

/** stdout and stderr are two pipes: their relative order is only known to about a millisecond. */
export const logOrderNote = [
  '  Order is exact within stdout and within stderr; an stdout and an',
  '  stderr write less than ~1 ms apart may show in swapped order.',
];

/** The `?` overlay: every binding, grouped by pane. */
export function helpLines(table: readonly KeyBinding[] = keyBindings): string[] {
  const lines: string[] = [];
  for (const [context, title] of [['table', 'Job table'], ['log', 'Log pane']] as const) {
    lines.push(title);
    for (const b of table.filter((x) => x.contexts.includes(context))) {
      lines.push(`  ${b.label.padEnd(8)} ${b.description}${b.dangerous ? ' (asks first)' : ''}`);
    }
    if (context === 'log') lines.push(...logOrderNote);
    lines.push('');
  }
  lines.push('Esc or ? closes this help');
  return lines;
}
