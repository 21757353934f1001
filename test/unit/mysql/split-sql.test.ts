import { describe, expect, it } from 'vitest';
import { splitSqlStatements } from '../../../server/adapters/mysql/split-sql.js';

describe('splitSqlStatements', () => {
  it('splits on semicolons and drops empty pieces', () => {
    expect(splitSqlStatements('CREATE TABLE a (x INT);\n\nCREATE TABLE b (y INT);\n;')).toEqual([
      'CREATE TABLE a (x INT)',
      'CREATE TABLE b (y INT)',
    ]);
  });

  it('keeps a last statement without semicolon', () => {
    expect(splitSqlStatements('SELECT 1; SELECT 2')).toEqual(['SELECT 1', 'SELECT 2']);
  });

  it('ignores semicolons in quotes, with escaped and doubled quotes', () => {
    const sql = `INSERT INTO t VALUES ('a;b', 'it''s;', 'back\\';slash', "dq;\\"x", \`we;ird\`);SELECT 2`;
    expect(splitSqlStatements(sql)).toEqual([
      `INSERT INTO t VALUES ('a;b', 'it''s;', 'back\\';slash', "dq;\\"x", \`we;ird\`)`,
      'SELECT 2',
    ]);
  });

  it('ignores semicolons in comments and drops comment-only pieces', () => {
    const sql = `-- first; comment\nSELECT 1; # another; one\n/* block; comment */\nSELECT 2;\n-- trailing only;\n`;
    expect(splitSqlStatements(sql)).toEqual(['-- first; comment\nSELECT 1', '# another; one\n/* block; comment */\nSELECT 2']);
  });

  it('treats "--" without a following space as code, as MySQL does', () => {
    expect(splitSqlStatements('SELECT 1--1; SELECT 2')).toEqual(['SELECT 1--1', 'SELECT 2']);
  });

  it('keeps executable comments as code', () => {
    expect(splitSqlStatements('/*!40101 SET NAMES utf8mb4 */;')).toEqual(['/*!40101 SET NAMES utf8mb4 */']);
  });

  it('rejects unterminated quotes and comments', () => {
    expect(() => splitSqlStatements("SELECT 'x")).toThrow(/unterminated/);
    expect(() => splitSqlStatements('SELECT /* x')).toThrow(/unterminated/);
  });
});
