// Splits a migration file into statements so each runs on its own (the pool never enables
// multipleStatements). Knows quotes ('', "", ``, with backslash and doubled-quote escapes) and
// comments (-- , #, /* */) so a ';' inside them does not split. No DELIMITER: stored programs with
// compound bodies do not belong in these migrations. Pure.

export function splitSqlStatements(text: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let hasCode = false; // the current piece has something besides whitespace and comments
  let i = 0;
  const n = text.length;

  const flush = (end: number) => {
    const statement = text.slice(start, end).trim();
    if (hasCode && statement !== '') statements.push(statement);
    hasCode = false;
  };

  while (i < n) {
    const c = text[i];
    const next = text[i + 1];
    if (c === "'" || c === '"' || c === '`') {
      hasCode = true;
      i = skipQuoted(text, i, c);
    } else if (c === '-' && next === '-' && (i + 2 >= n || /\s/.test(text[i + 2] ?? ''))) {
      i = skipLine(text, i);
    } else if (c === '#') {
      i = skipLine(text, i);
    } else if (c === '/' && next === '*') {
      // /*! ... */ and /*M! ... */ are executable comments: code, kept in the statement.
      if (text[i + 2] === '!' || (text[i + 2] === 'M' && text[i + 3] === '!')) hasCode = true;
      const end = text.indexOf('*/', i + 2);
      if (end === -1) throw new Error('unterminated /* comment');
      i = end + 2;
    } else if (c === ';') {
      flush(i);
      start = i + 1;
      i += 1;
    } else {
      if (!/\s/.test(c ?? '')) hasCode = true;
      i += 1;
    }
  }
  flush(n);
  return statements;
}

function skipQuoted(text: string, open: number, quote: string): number {
  let i = open + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\' && quote !== '`') {
      i += 2;
    } else if (c === quote) {
      if (text[i + 1] === quote) i += 2; // doubled quote = a literal quote
      else return i + 1;
    } else {
      i += 1;
    }
  }
  throw new Error(`unterminated ${quote} quote`);
}

function skipLine(text: string, from: number): number {
  const end = text.indexOf('\n', from);
  return end === -1 ? text.length : end + 1;
}
