import { describe, expect, it } from 'vitest';
import { escapeTags, highlight, renderLogLine, sanitize } from '../../../tui/markup.js';

describe('markup', () => {
  it('escapes blessed tags in untrusted text', () => {
    expect(escapeTags('{red-fg}x{/red-fg}')).toBe('{open}red-fg{close}x{open}/red-fg{close}');
  });
  it('strips escape sequences and control characters a job prints', () => {
    expect(sanitize('\x1b[31mred\x1b[0m\x07 \x1b]0;title\x07ok\tx')).toBe('red ok    x');
  });
  it('marks stderr with E| (survives no colour) and colours it red', () => {
    expect(renderLogLine({ seq: 0, kind: 'stderr', text: 'boom' }, 80, '')).toBe('{red-fg}E| boom{/red-fg}');
    expect(renderLogLine({ seq: 0, kind: 'stdout', text: 'fine' }, 80, '')).toBe('   fine');
  });
  it('cuts to the pane width', () => {
    expect(renderLogLine({ seq: 0, kind: 'stdout', text: 'x'.repeat(100) }, 20, '')).toHaveLength(20);
  });
  it('highlights every match, case-insensitively', () => {
    expect(highlight('a Foo foo', 'foo')).toBe('a {black-fg}{yellow-bg}Foo{/yellow-bg}{/black-fg} {black-fg}{yellow-bg}foo{/yellow-bg}{/black-fg}');
  });
});
