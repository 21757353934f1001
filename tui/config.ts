import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

// Where cjm-tui finds its server and token: flags, else CJM_URL / CJM_TOKEN, else
// ~/.config/cjm/config.json {url, token}. The only place in the TUI that reads the environment.

export const defaultUrl = 'ws://127.0.0.1:5000/rpc';

export interface TuiConfig {
  url: string;
  token: string;
}

export interface ConfigSources {
  flags: { url?: string; token?: string };
  env: Record<string, string | undefined>;
  /** The parsed config file, or undefined when there is none. */
  file: { url?: unknown; token?: unknown } | undefined;
  filePath: string;
}

export class ConfigError extends Error {}

/** Pure: decide the config from its sources, or say in one line what is missing. */
export function resolveConfig(s: ConfigSources): TuiConfig {
  const fileUrl = typeof s.file?.url === 'string' ? s.file.url : undefined;
  const fileToken = typeof s.file?.token === 'string' ? s.file.token : undefined;
  const url = s.flags.url || s.env.CJM_URL || fileUrl || defaultUrl;
  const token = s.flags.token || s.env.CJM_TOKEN || fileToken;
  if (!/^wss?:\/\//.test(url)) throw new ConfigError(`the server URL must start with ws:// or wss:// (got "${url}")`);
  if (!token) throw new ConfigError(`no token: pass --token, set CJM_TOKEN, or put {"token": "..."} in ${s.filePath}`);
  return Object.freeze({ url, token });
}

export function defaultConfigPath(): string {
  return join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'cjm', 'config.json');
}

/** Read the real sources once, at start. */
export function loadConfig(flags: { url?: string; token?: string }, filePath = defaultConfigPath()): TuiConfig {
  let file: ConfigSources['file'];
  try {
    file = JSON.parse(readFileSync(filePath, 'utf8')) as ConfigSources['file'];
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw new ConfigError(`cannot read ${filePath}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return resolveConfig({ flags, env: { CJM_URL: process.env.CJM_URL, CJM_TOKEN: process.env.CJM_TOKEN }, file, filePath });
}
