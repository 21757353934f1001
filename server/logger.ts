// The server's logger: pino, JSON lines on stdout (or the given stream). Satisfies core's Logger port.
import { pino, stdSerializers, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { LogLevel } from './config.js';

export type ServerLogger = PinoLogger;

export function createLogger(level: LogLevel, destination?: DestinationStream): ServerLogger {
  return pino({ level, base: { name: 'cjm-server' }, serializers: { err: stdSerializers.err } }, destination);
}

/** A logger that drops everything (tests, CLI subcommands). */
export function createSilentLogger(): ServerLogger {
  return pino({ level: 'silent' });
}
