import { describe, expect, it } from 'vitest';
import { actionFor, helpLines, hints, keyBindings } from '../../../tui/keys.js';

describe('keybinding table', () => {
  it('no key is bound twice in one pane', () => {
    for (const ctx of ['table', 'log'] as const) {
      const seen = new Map<string, string>();
      for (const b of keyBindings.filter((x) => x.contexts.includes(ctx))) {
        for (const k of b.keys) {
          expect(seen.get(k), `${ctx}: ${k} bound to ${seen.get(k)} and ${b.action}`).toBeUndefined();
          seen.set(k, b.action);
        }
      }
    }
  });
  it('lazydocker/k9s habits: j/k, arrows, g/G, PgUp/PgDn, Tab, Enter/l, Esc, ?, q', () => {
    expect(actionFor('table', 'j')?.action).toBe('down');
    expect(actionFor('table', 'down')?.action).toBe('down');
    expect(actionFor('table', 'k')?.action).toBe('up');
    expect(actionFor('table', 'g')?.action).toBe('top');
    expect(actionFor('table', 'G')?.action).toBe('bottom');
    expect(actionFor('log', 'G')?.action).toBe('follow');
    expect(actionFor('log', 'end')?.action).toBe('follow');
    expect(actionFor('table', 'pagedown')?.action).toBe('pageDown');
    expect(actionFor('table', 'tab')?.action).toBe('nextPane');
    expect(actionFor('table', 'enter')?.action).toBe('focusLogs');
    expect(actionFor('table', 'l')?.action).toBe('focusLogs');
    expect(actionFor('log', 'escape')?.action).toBe('back');
    expect(actionFor('table', '/')?.action).toBe('filter');
    expect(actionFor('log', '/')?.action).toBe('search');
    expect(actionFor('log', 'n')?.action).toBe('nextMatch');
    expect(actionFor('table', 'n')?.action).toBe('create');
    expect(actionFor('table', 'q')?.action).toBe('quit');
    expect(actionFor('table', 'C-c')?.action).toBe('quit');
    expect(actionFor('table', 'x')).toBeUndefined();
  });
  it('stop and remove are dangerous (they ask first)', () => {
    expect(actionFor('table', 's')?.dangerous).toBe(true);
    expect(actionFor('table', 'd')?.dangerous).toBe(true);
    expect(helpLines().join('\n')).toContain('remove the job and its logs (asks first)');
  });
  it('dangerous bindings carry their confirmation; the new keys are where the issue put them', () => {
    for (const b of keyBindings.filter((x) => x.dangerous)) expect(b.confirm?.verb, b.action).toBeTruthy();
    expect(actionFor('table', 'K')).toMatchObject({ action: 'kill', dangerous: true });
    expect(actionFor('log', 'K')?.action).toBe('kill');
    expect(actionFor('table', 'X')).toMatchObject({ action: 'removeFinished', dangerous: true });
    expect(actionFor('table', 'c')?.action).toBe('clone');
    expect(actionFor('table', 'R')?.action).toBe('rerun');
    expect(actionFor('table', 'o')?.action).toBe('sort');
    expect(actionFor('log', 'W')?.action).toBe('wrap');
    expect(actionFor('log', 't')?.action).toBe('timestamps');
    expect(actionFor('table', 'escape')?.action).toBe('clearFilter');
  });
  it('hints fit the width, keeping ? help and q quit', () => {
    const h = hints('table', 40);
    expect(h.length).toBeLessThanOrEqual(40);
    expect(h).toMatch(/\? help {2}q quit$/);
    expect(hints('table')).toContain('/ filter');
  });
  it('the status bar shows only visible keys of the focused pane', () => {
    expect(hints('table')).toContain('n new');
    expect(hints('table')).not.toContain('N prev');
    expect(hints('log')).toContain('G/End follow');
    expect(hints('log')).not.toContain('n new');
  });
  it('help lists every binding', () => {
    const help = helpLines().join('\n');
    for (const b of keyBindings) expect(help).toContain(b.description);
  });
  it('help says how far the order of stdout against stderr can be trusted', () => {
    expect(helpLines().join('\n')).toContain('less than ~1 ms apart may show in swapped order');
  });
});

describe('keyName (blessed keypress -> table key)', async () => {
  const { keyName } = await import('../../../tui/views/dashboard.js');
  it('uses the character when printable, the full name otherwise', () => {
    expect(keyName('G', { full: 'S-g', name: 'g' })).toBe('G');
    expect(keyName('/', { full: '/', name: undefined })).toBe('/');
    expect(keyName('\r', { full: 'enter', name: 'enter' })).toBe('enter');
    expect(keyName(undefined, { full: 'pagedown', name: 'pagedown' })).toBe('pagedown');
    expect(keyName('\x03', { full: 'C-c', name: 'c' })).toBe('C-c');
  });
  it('ignores the duplicate "return" blessed sends after "enter"', () => {
    expect(keyName('\r', { full: 'return', name: 'return' })).toBe('');
  });
});
