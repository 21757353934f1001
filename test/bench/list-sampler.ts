// A user listing jobs while a bench runs, in a process of its own so that the bench's own client work
// (a thousand create calls sent at once, every job.updated) never shows up in the timings. Run by a
// bench with an IPC channel: connects to CJM_URL with CJM_TOKEN, says 'ready', times job.list
// {limit: 50} every 50 ms, and on 'stop' sends back the times (ms) and exits. A system.ping after each
// list, on the same connection, times what any call costs on this machine at that moment (a call
// that asks nothing of the database): the floor a list cannot go below.
import { createClient } from '../../server/protocol/client.js';

const send = (message: unknown) => process.send?.(message);
const api = await createClient(process.env.CJM_URL ?? '', process.env.CJM_TOKEN, { callTimeoutMs: 120_000 });
let sampling = true;
process.on('message', (m) => {
  if (m === 'stop') sampling = false;
});
send('ready');
const times: number[] = [];
const pings: number[] = [];
while (sampling) {
  const s = performance.now();
  await api.call('job.list', { limit: 50 });
  times.push(performance.now() - s);
  const p = performance.now();
  await api.call('system.ping', {});
  pings.push(performance.now() - p);
  await new Promise((r) => setTimeout(r, 50));
}
api.close();
send({ times, pings });
process.disconnect();
