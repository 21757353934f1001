import { describe, expect, it } from 'vitest';
import { escapeTags, highlight, parseAnsi, renderLogLine, renderLogRows, sanitize, tagged } from '../../../tui/markup.js';

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
  it('renders the common SGR colours as tags and drops the rest', () => {
    const s = parseAnsi('\x1b[1;31mFAIL\x1b[0m ok \x1b[32mpass\x1b[39m \x1b[38;5;208mx\x1b[m');
    expect(s.text).toBe('FAIL ok pass x');
    expect(tagged(s, '')).toBe('{bold}{red-fg}FAIL{/red-fg}{/bold} ok {green-fg}pass{/green-fg} x');
    expect(renderLogLine({ seq: 0, kind: 'stdout', text: '\x1b[44m{x}\x1b[0m' }, 80, '')).toBe('   {blue-bg}{open}x{close}{/blue-bg}');
  });
  it('a search match shows over the colours', () => {
    expect(tagged(parseAnsi('\x1b[31mneedle\x1b[0m'), 'eed')).toBe('{red-fg}n{/red-fg}{black-fg}{yellow-bg}eed{/yellow-bg}{/black-fg}{red-fg}le{/red-fg}');
  });
  it('W: a long line wraps onto more rows, each within the width', () => {
    const rows = renderLogRows({ seq: 0, kind: 'stderr', text: 'a'.repeat(25) }, 13, { wrap: true });
    expect(rows).toEqual(['{red-fg}E| aaaaaaaaaa{/red-fg}', '{red-fg}   aaaaaaaaaa{/red-fg}', '{red-fg}   aaaaa{/red-fg}']);
    expect(renderLogRows({ seq: 0, kind: 'stdout', text: '' }, 13, { wrap: true })).toEqual(['   ']);
  });
  it('t: each line starts with the time it arrived; wrapped rows keep the column', () => {
    const line = { seq: 0, kind: 'stdout' as const, text: 'b'.repeat(30), at: '2026-01-01T15:04:05.123Z' };
    expect(renderLogRows(line, 36, { timestamps: true, wrap: true })).toEqual(['   15:04:05.123 ' + 'b'.repeat(20), ' '.repeat(16) + 'b'.repeat(10)]);
    expect(renderLogRows({ seq: 1, kind: 'info', text: 'x' }, 36, { timestamps: true })[0]).toBe('{cyan-fg}--' + ' '.repeat(13) + ' x{/cyan-fg}');
  });
});
