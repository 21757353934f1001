import { testDocker } from '../support/docker.js';
import { createShellContainer } from '../support/logs.js';
import { createOutputSource } from '../../server/adapters/docker/output.js';
const docker = testDocker();
for (let round = 0; round < 3; round++) {
const id = await createShellContainer(docker, 'logs-order', 'for i in $(seq 1 100); do echo out$i; usleep 20000; echo err$i >&2; usleep 20000; done');
const src = await createOutputSource(docker, id, { mode: 'attach' });
await docker.getContainer(id).start();
const seq: string[] = [];
for await (const c of src) seq.push(...c.data.toString().split('\n').filter(Boolean));
const lsrc = await createOutputSource(docker, id, { mode: 'logs' });
const lseq: string[] = [];
for await (const c of lsrc) lseq.push(...c.data.toString().split('\n').filter(Boolean).map((l) => `${l}@${c.time.toISOString().slice(17)}`));
const exp = (l: string) => { const n = Number(/\d+/.exec(l)![0]); return l.startsWith('out') ? 2 * n - 2 : 2 * n - 1; };
console.log('attach misplaced', seq.filter((l, i) => exp(l) !== i));
console.log('json-file misplaced', lseq.filter((l, i) => exp(l) !== i));
await docker.getContainer(id).remove({ force: true });
}
