import { describe, expect, it } from 'vitest';
import { ansiSegments, initialAnsiState } from '../../../web/ansi.js';

const segs = (text: string) => ansiSegments(text, initialAnsiState());

describe('ANSI SGR', () => {
  it('turns colours and styles into classes and resets them', () => {
    expect(segs('\u001b[31mred\u001b[0m plain')).toEqual([
      { text: 'red', cls: 'a-fg1' },
      { text: ' plain', cls: '' },
    ]);
    expect(segs('\u001b[1;92;44mx\u001b[22my\u001b[39;49mz')).toEqual([
      { text: 'x', cls: 'a-fg10 a-bg4 a-b' },
      { text: 'y', cls: 'a-fg10 a-bg4' },
      { text: 'z', cls: '' },
    ]);
    expect(segs('\u001b[38;5;3mo\u001b[38;2;1;2;3mt')).toEqual([{ text: 'ot', cls: 'a-fg3' }]);
  });

  it('drops every other escape and control sequence, keeping text (and <script>) as text', () => {
    expect(segs('a\u001b[2Jb\u001b]0;title\u0007c\u001b(Bd\re\u0000f\tg')).toEqual([{ text: 'abcdef\tg', cls: '' }]);
    expect(segs('\u001b[31m<script>alert(1)</script>')).toEqual([{ text: '<script>alert(1)</script>', cls: 'a-fg1' }]);
  });

  it('carries the style and a cut sequence over to the next chunk', () => {
    const st = initialAnsiState();
    expect(ansiSegments('\u001b[33myel\u001b[', st)).toEqual([{ text: 'yel', cls: 'a-fg3' }]);
    expect(ansiSegments('4mlow', st)).toEqual([{ text: 'low', cls: 'a-fg3 a-u' }]);
    expect(ansiSegments('\u001b', st)).toEqual([]);
    expect(ansiSegments('[0mdone', st)).toEqual([{ text: 'done', cls: '' }]);
  });
});
