// The TUI half of the growth bench (issue 18), in a process of its own so its RSS is the TUI's: the
// real app and blessed dashboard, connected through the real client to the bench's server, drawing
// into an in-memory terminal of 160 x 130 (a table of 50 rows). It reports over IPC:
// - first paint: from the connect call (and from process start, module loading included) to the
//   first frame whose table title carries the server's total; RSS then;
// - on "burst": from then until asked, the job.updated notifications applied, the job.list calls
//   made (none expected), the CPU this process spent, and how long after the last update it drew.
import { PassThrough } from 'node:stream';
import { createClient } from '../../server/protocol/client.js';
import { createApp } from '../../tui/app.js';
import { createConnection } from '../../tui/connection.js';
import { createDashboard } from '../../tui/views/dashboard.js';

export type ChildMessage =
  | { kind: 'painted'; sinceConnectMs: number; sinceStartMs: number; rssMb: number; tableRows: number }
  | { kind: 'burst'; updates: number; lists: number; settleMs: number; lagMs: number; cpuMs: number; rssMb: number };
export type ParentMessage = { kind: 'burst-start' } | { kind: 'burst-end' } | { kind: 'quit' };

const rows = 130;
const url = process.env.CJM_BENCH_URL ?? '';
const token = process.env.CJM_BENCH_TOKEN ?? '';
const total = process.env.CJM_BENCH_TOTAL ?? '';
const send = (m: ChildMessage) => process.send?.(m);

const connection = createConnection({ connect: createClient }, { url, token });
let lists = 0;
const call = connection.call.bind(connection);
(connection as { call: typeof connection.call }).call = (method, params) => {
  if (method === 'job.list') lists++;
  return call(method, params);
};
const app = createApp(connection, { url, onQuit: () => {} });
const output = Object.assign(new PassThrough(), { columns: 160, rows, isTTY: true });
const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => {} });

let onOutput: (text: string) => void = () => {};
output.on('data', (d: Buffer) => onOutput(d.toString('latin1')));

const t0 = performance.now();
const painted = new Promise<number>((resolve) => {
  onOutput = (text) => {
    // blessed writes a space between words as a cursor move (CSI 1 C).
    if (text.replaceAll('\x1b[1C', ' ').includes(` of ${total} `)) resolve(performance.now());
  };
});
await connection.start();
const dashboard = createDashboard(app, { input, output, frameMs: 50 });
const at = await painted;
send({ kind: 'painted', sinceConnectMs: at - t0, sinceStartMs: at, rssMb: process.memoryUsage().rss / 2 ** 20, tableRows: app.jobs.size });

let burst: { c0: NodeJS.CpuUsage; t0: number; lists: number; updates: number; lastUpdate: number; lastDraw: number } | undefined;
connection.on('job.updated', () => {
  if (!burst) return;
  burst.updates++;
  burst.lastUpdate = performance.now();
});
onOutput = () => {
  if (burst && burst.lastUpdate > 0) burst.lastDraw = performance.now();
};

process.on('message', (m: ParentMessage) => {
  if (m.kind === 'burst-start') {
    burst = { c0: process.cpuUsage(), t0: performance.now(), lists, updates: 0, lastUpdate: 0, lastDraw: 0 };
  } else if (m.kind === 'burst-end' && burst) {
    const c = process.cpuUsage(burst.c0);
    const end = Math.max(burst.lastDraw, burst.lastUpdate);
    send({
      kind: 'burst',
      updates: burst.updates,
      lists: lists - burst.lists,
      settleMs: end - burst.t0,
      lagMs: end - burst.lastUpdate,
      cpuMs: (c.user + c.system) / 1000,
      rssMb: process.memoryUsage().rss / 2 ** 20,
    });
    burst = undefined;
  } else if (m.kind === 'quit') {
    dashboard.destroy();
    app.dispose();
    connection.close();
    process.exit(0);
  }
});
