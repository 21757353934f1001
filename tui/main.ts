#!/usr/bin/env node
import { Command } from 'commander';
import { createClient } from '#protocol/client';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { createConnection, LoginRefusedError } from './connection.js';
import { defaultOnceLimit, printOnce } from './once.js';
import { createDashboard } from './views/dashboard.js';

// cjm-tui's composition root: read the config once, connect, then either print once or run the
// dashboard until q / Ctrl-C / SIGTERM, restoring the terminal on the way out.

function fail(message: string): never {
  process.stderr.write(`cjm-tui: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const program = new Command('cjm-tui')
    .description('Terminal dashboard for Cloud Job Manager')
    .option('--url <url>', 'server WebSocket URL (default: CJM_URL, config file, ws://127.0.0.1:5000/rpc)')
    .option('--token <token>', 'API token (default: CJM_TOKEN or ~/.config/cjm/config.json)')
    .option('--once', 'print the job table and exit')
    .option('--json', 'print the job table as JSON and exit')
    .option('--limit <n>', `with --once or --json: print at most n jobs, newest first (default ${defaultOnceLimit})`, parseLimit)
    .parse();
  const flags = program.opts<{ url?: string; token?: string; once?: boolean; json?: boolean; limit?: number }>();

  let config;
  try {
    config = loadConfig({ url: flags.url, token: flags.token });
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message);
    throw e;
  }

  let onQuit = () => {};
  let report = (_e: unknown) => {};
  const connection = createConnection(
    { connect: (url, token) => createClient(url, token), onError: (e) => report(e) },
    { url: config.url, token: config.token },
  );

  if (flags.once || flags.json) {
    try {
      await connection.start();
      await printOnce(connection, {
        json: Boolean(flags.json),
        width: process.stdout.columns || 120,
        now: Date.now(),
        ...(flags.limit !== undefined ? { limit: flags.limit } : {}),
        write: (s) => process.stdout.write(s),
        note: (s) => process.stderr.write(s),
      });
    } catch (e) {
      fail(startError(config.url, e));
    } finally {
      connection.close();
    }
    return;
  }

  const app = createApp(connection, { url: config.url, onQuit: () => onQuit() });
  try {
    await connection.start();
  } catch (e) {
    app.dispose();
    connection.close();
    fail(startError(config.url, e));
  }
  report = (e) => app.notify(`after reconnecting: ${e instanceof Error ? e.message : String(e)}`, true);
  const dashboard = createDashboard(app);
  onQuit = () => {
    dashboard.destroy();
    app.dispose();
    connection.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => onQuit());
}

function parseLimit(value: string): number {
  const n = Number(value);
  if (!/^[1-9][0-9]*$/.test(value) || !Number.isSafeInteger(n)) fail(`--limit must be a positive whole number, got "${value}"`);
  return n;
}

function startError(url: string, e: unknown): string {
  if (e instanceof LoginRefusedError) return e.message;
  const msg = e instanceof Error ? e.message : String(e);
  return `cannot reach the server at ${url}: ${msg}`;
}

main().catch((e: unknown) => fail(e instanceof Error ? e.message : String(e)));
