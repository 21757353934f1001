// Parses CJM_DATABASE_URL (mysql://user:pass@host:port/db). Pure, so config can validate the value
// at start and name the variable, without opening a connection.

export interface MysqlUrlParts {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** Throws an Error whose message never contains the password. */
export function parseMysqlUrl(url: string): MysqlUrlParts {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('must be a URL like mysql://user:password@host:3306/database');
  }
  if (parsed.protocol !== 'mysql:' && parsed.protocol !== 'mariadb:') {
    throw new Error(`must start with mysql:// (got ${parsed.protocol}//)`);
  }
  // WHATWG URL keeps IPv6 hosts bracketed; the socket API wants them bare.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new Error('must name a host');
  const port = parsed.port === '' ? 3306 : Number(parsed.port);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (database === '' || database.includes('/')) throw new Error('must name one database in the path, e.g. /cjm');
  const user = decodeURIComponent(parsed.username);
  if (user === '') throw new Error('must name a user');
  return { host, port, user, password: decodeURIComponent(parsed.password), database };
}

/** The same URL pointing at another database (test databases, tooling). */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}
