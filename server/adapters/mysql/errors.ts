// Which driver errors mean "the database is not there" (-> DatabaseUnavailableError, 5004) rather
// than "this statement is wrong" (a bug, -> -32603). Pure, so the table is unit-tested.
import { DatabaseUnavailableError } from '../../core/errors.js';

// Socket-level failures, and mysql2's own codes for a dead or stuck connection.
const connectionCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EADDRNOTAVAIL',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  // db.ts: no free connection in time / no answer in time.
  'CJM_ACQUIRE_TIMEOUT',
  'CJM_QUERY_TIMEOUT',
]);

// Server answers that mean nobody can use it right now (or our credentials are not accepted:
// for a caller that is the same thing, and the cause is logged for the operator).
const serverErrnos = new Set([
  1040, // ER_CON_COUNT_ERROR
  1203, // ER_TOO_MANY_USER_CONNECTIONS
  1044, // ER_DBACCESS_DENIED_ERROR
  1045, // ER_ACCESS_DENIED_ERROR
  1049, // ER_BAD_DB_ERROR
  1053, // ER_SERVER_SHUTDOWN
  1077, // ER_NORMAL_SHUTDOWN
  1129, // ER_HOST_IS_BLOCKED
  1130, // ER_HOST_NOT_PRIVILEGED
  1927, // ER_CONNECTION_KILLED (MariaDB)
  4031, // ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8.0.24+: idle connection closed by the server)
]);

// mysql2's pool reports these without a code.
const poolMessages = [
  'Queue limit reached.',
  'Pool is closed.',
  'No connections available.',
  "Can't add new command when connection is in closed state",
  "Can't write in closed state",
];

interface DriverErrorShape {
  code?: unknown;
  errno?: unknown;
  fatal?: unknown;
  message?: unknown;
}

export function isConnectionError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as DriverErrorShape;
  if (typeof e.code === 'string' && connectionCodes.has(e.code)) return true;
  if (typeof e.errno === 'number' && serverErrnos.has(e.errno)) return true;
  // mysql2 marks errors after which the connection is unusable as fatal.
  if (e.fatal === true) return true;
  return typeof e.message === 'string' && poolMessages.includes(e.message);
}

export function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as DriverErrorShape).code === 'ER_DUP_ENTRY';
}

/** Connection-level failures become DatabaseUnavailableError (cause kept for the log); anything
 * else is returned unchanged. */
export function toStoreError(err: unknown): unknown {
  if (err instanceof DatabaseUnavailableError) return err;
  return isConnectionError(err) ? new DatabaseUnavailableError(err) : err;
}
