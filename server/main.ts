#!/usr/bin/env node
// cjm-server: `serve` (the default) runs the server; `token create|list|revoke` manage API tokens
// straight in the database named by CJM_DATABASE_URL.
import { Command, InvalidArgumentError } from 'commander';
import { createMysqlPool, createTokenStore, runMigrations } from './adapters/mysql/index.js';
import { generateToken, hashToken } from './core/auth.js';
import { findPackageRoot, readVersion, startServer } from './app.js';
import { ConfigError, loadConfigFromProcess, redactDatabaseUrl, userNamePattern, type Config } from './config.js';
import { DatabaseUnavailableError } from './core/errors.js';
import { createLogger, createSilentLogger } from './logger.js';
import type { TokenStore } from './core/ports.js';
import { join } from 'node:path';

const root = findPackageRoot();
const version = readVersion(root);

function fail(message: string): never {
  process.stderr.write(`cjm-server: ${message}\n`);
  process.exit(1);
}

function config(): Config {
  try {
    return loadConfigFromProcess();
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message);
    throw e;
  }
}

async function serve(): Promise<void> {
  const cfg = config();
  const logger = createLogger(cfg.logLevel);
  // A promise someone forgot to handle (lint forbids it; this is the net) ends one piece of work, not
  // the server: Node 20 would exit, taking every client and running launch with it.
  process.on('unhandledRejection', (err) => logger.error({ err }, 'BUG: unhandled promise rejection; the server keeps serving'));
  // A synchronous throw that escaped a callback leaves state half-changed where we cannot know: exit,
  // and let the supervisor restart us (start-up reconciles every job), but say why in our own log.
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception; exiting');
    process.exit(1);
  });
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(cfg, { logger });
  } catch (e) {
    logger.fatal({ err: e }, 'cjm-server could not start');
    fail(e instanceof Error ? e.message : String(e));
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1); // a second signal: stop waiting
    stopping = true;
    logger.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (e: unknown) => {
        logger.error({ err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

/** Opens the database (migrating it, so the tokens table exists), runs fn, closes. */
async function withTokens<T>(fn: (tokens: TokenStore) => Promise<T>): Promise<T> {
  const cfg = config();
  const pool = createMysqlPool(cfg.databaseUrl);
  try {
    await runMigrations(pool, { dir: join(root, 'sql'), logger: createSilentLogger() });
    return await fn(createTokenStore({ pool }));
  } catch (e) {
    if (e instanceof DatabaseUnavailableError) {
      const cause = e.cause instanceof Error ? e.cause.message : String(e.cause ?? '');
      fail(`database unreachable at ${redactDatabaseUrl(cfg.databaseUrl)}${cause ? `: ${cause}` : ''}`);
    }
    fail(e instanceof Error ? e.message : String(e));
  } finally {
    await pool.end();
  }
}

const program = new Command('cjm-server').description('Cloud Job Manager server').version(version);

program
  .command('serve', { isDefault: true })
  .description('run the server (configuration from CJM_* environment variables)')
  .action(serve);

const token = program.command('token').description('manage API tokens (only their hashes are stored)');

token
  .command('create')
  .description('create a token and print it (it is shown only this once)')
  .requiredOption('--user <name>', 'the user the token acts as', (v) => {
    if (!userNamePattern.test(v)) throw new InvalidArgumentError('must be 1-64 letters, digits or _ . @ -');
    return v;
  })
  .option('--admin', 'the token sees and acts on every user\'s jobs', false)
  .action(async (opts: { user: string; admin: boolean }) => {
    const value = generateToken();
    const record = await withTokens((t) => t.ensure(hashToken(value), opts.user, opts.admin));
    process.stderr.write(`token ${record.id} for ${record.user}${record.admin ? ' (admin)' : ''}; store it now, it cannot be shown again:\n`);
    process.stdout.write(`${value}\n`);
  });

token
  .command('list')
  .description('list tokens (id, user, admin, created, revoked)')
  .option('--json', 'print JSON')
  .action(async (opts: { json?: boolean }) => {
    const list = await withTokens((t) => t.list());
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
      return;
    }
    const rows = [['ID', 'USER', 'ADMIN', 'CREATED', 'REVOKED']].concat(
      list.map((r) => [String(r.id), r.user, r.admin ? 'yes' : 'no', r.createdAt.toISOString(), r.revokedAt ? r.revokedAt.toISOString() : '-']),
    );
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const r of rows) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
  });

token
  .command('revoke')
  .description('revoke a token; a running server closes its connections within about 5 s (once it can reach the database)')
  .argument('<id>', 'token id (see token list)', (v) => {
    if (!/^[0-9]+$/.test(v)) throw new InvalidArgumentError('must be a token id (a number)');
    return Number(v);
  })
  .action(async (id: number) => {
    const revoked = await withTokens((t) => t.revoke(id));
    if (!revoked) fail(`no active token with id ${id}`);
    process.stdout.write(`token ${id} revoked\n`);
  });

await program.parseAsync(process.argv);
