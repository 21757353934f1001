import { describe, expect, it } from 'vitest';
import { DatabaseUnavailableError } from '../../../server/core/errors.js';
import { ErrorCode } from '../../../server/protocol/index.js';
import { isConnectionError, isDuplicateKey, toStoreError } from '../../../server/adapters/mysql/errors.js';
import { escapeLike } from '../../../server/adapters/mysql/job-store.js';
import { parseMysqlUrl, withDatabase } from '../../../server/adapters/mysql/url.js';

describe('parseMysqlUrl', () => {
  it('reads every part, decoding escapes', () => {
    expect(parseMysqlUrl('mysql://cjm:p%40ss%2Fw@db.local:3307/cjm_x')).toEqual({
      host: 'db.local',
      port: 3307,
      user: 'cjm',
      password: 'p@ss/w',
      database: 'cjm_x',
    });
  });

  it('defaults the port and allows an empty password and IPv6 hosts', () => {
    expect(parseMysqlUrl('mysql://root@[::1]/cjm')).toEqual({ host: '::1', port: 3306, user: 'root', password: '', database: 'cjm' });
  });

  it('rejects what it cannot use, never echoing the password', () => {
    for (const bad of ['nope', 'postgres://u:secret@h/db', 'mysql://u:secret@h', 'mysql://u:secret@h/', 'mysql://:secret@h/db', 'mysql://u:secret@h/a/b']) {
      expect(() => parseMysqlUrl(bad)).toThrow();
      try {
        parseMysqlUrl(bad);
      } catch (err) {
        expect(String(err)).not.toContain('secret');
      }
    }
  });

  it('swaps the database', () => {
    expect(withDatabase('mysql://u:p@h:1/db', 'other')).toBe('mysql://u:p@h:1/other');
  });
});

describe('driver errors', () => {
  const withCode = (code: string, extra: object = {}) => Object.assign(new Error(code), { code, ...extra });

  it('maps connection-level failures to DatabaseUnavailableError (5004) keeping the cause', () => {
    const cases: unknown[] = [
      withCode('ECONNREFUSED'),
      withCode('PROTOCOL_CONNECTION_LOST'),
      withCode('ETIMEDOUT'),
      withCode('PROTOCOL_SEQUENCE_TIMEOUT'),
      Object.assign(new Error('Too many connections'), { code: 'ER_CON_COUNT_ERROR', errno: 1040 }),
      Object.assign(new Error('shutdown'), { code: 'ER_SERVER_SHUTDOWN', errno: 1053 }),
      Object.assign(new Error('x'), { fatal: true }),
      new Error('Queue limit reached.'),
      new Error('Pool is closed.'),
    ];
    for (const err of cases) {
      expect(isConnectionError(err)).toBe(true);
      const mapped = toStoreError(err);
      expect(mapped).toBeInstanceOf(DatabaseUnavailableError);
      expect((mapped as DatabaseUnavailableError).code).toBe(ErrorCode.DatabaseUnavailable);
      expect((mapped as Error).cause).toBe(err);
      expect((mapped as Error).message).toBe('Database is unreachable');
    }
  });

  it('leaves statement errors alone', () => {
    const syntax = Object.assign(new Error('You have an error in your SQL syntax'), { code: 'ER_PARSE_ERROR', errno: 1064 });
    expect(toStoreError(syntax)).toBe(syntax);
    expect(isConnectionError('ECONNREFUSED')).toBe(false);
    expect(isConnectionError(null)).toBe(false);
  });

  it('recognises duplicate keys', () => {
    expect(isDuplicateKey(Object.assign(new Error('dup'), { code: 'ER_DUP_ENTRY', errno: 1062 }))).toBe(true);
    expect(isDuplicateKey(new Error('dup'))).toBe(false);
  });
});

describe('escapeLike', () => {
  it('escapes the wildcards and the escape character', () => {
    expect(escapeLike('50%_off!')).toBe('50!%!_off!!');
    expect(escapeLike('plain')).toBe('plain');
  });
});
