// A program in a detached tmux session, for end-to-end tests of the TUI: keys in, the pane's text out.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TmuxSession {
  readonly name: string;
  /** Starts `command` (a shell line) in a new detached session of cols x rows. */
  start(command: string, cols: number, rows: number): Promise<void>;
  /** What the pane shows now. */
  screen(): Promise<string>;
  /** Polls the pane until `pred` holds; on timeout fails with what the screen showed. */
  waitScreen(what: string, pred: (s: string) => boolean, timeoutMs?: number): Promise<string>;
  shows(text: string | RegExp, timeoutMs?: number): Promise<string>;
  /** Keys one at a time (tmux names like Enter, Escape, Tab, or literal text), settling between
   * them so Esc is never glued to the next key (which would read as Alt-key). */
  keys(...ks: string[]): Promise<void>;
  kill(): Promise<void>;
}

export function tmuxSession(name: string): TmuxSession {
  const screen = async () => (await run('tmux', ['capture-pane', '-p', '-t', name])).stdout;
  const waitScreen = async (what: string, pred: (s: string) => boolean, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      last = await screen();
      if (pred(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}; the screen shows:\n${last}`);
  };
  return {
    name,
    async start(command, cols, rows) {
      await run('tmux', ['new-session', '-d', '-s', name, '-x', String(cols), '-y', String(rows), command]);
    },
    screen,
    waitScreen,
    shows: (text, timeoutMs) => waitScreen(String(text), (s) => (typeof text === 'string' ? s.includes(text) : text.test(s)), timeoutMs),
    async keys(...ks) {
      for (const k of ks) {
        const literal = !/^(Enter|Escape|Tab|BSpace|Up|Down|End|Home|PPage|NPage|C-[a-z])$/.test(k);
        await run('tmux', ['send-keys', '-t', name, ...(literal ? ['-l', k] : [k])]);
        await new Promise((r) => setTimeout(r, 40));
      }
    },
    async kill() {
      await run('tmux', ['kill-session', '-t', name]).catch(() => {});
    },
  };
}
