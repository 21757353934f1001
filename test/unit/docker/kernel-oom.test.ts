import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createKernelOomCheck, isOomKillOf } from '../../../server/adapters/docker/kernel-oom.js';

const id = '84b5991b932075270b066a4bc8a34b7a9d8b1eca34e67d7d208acc4b579da0d9';
// Recorded from this host's /dev/kmsg (cgroup v1), and the form cgroup v2 with systemd writes.
const v1 = `6,1234,3783453484,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=${id},mems_allowed=0,oom_memcg=/docker/${id},task_memcg=/docker/${id},task=tail,pid=9394,uid=0`;
const v2 = `6,99,100,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/system.slice/docker-${id}.scope,task_memcg=/system.slice/docker-${id}.scope,task=tail,pid=1,uid=0`;

describe('kernel OOM record', () => {
  it('names the container whose memory cgroup hit its limit (v1 and v2)', () => {
    expect(isOomKillOf(v1, id)).toBe(true);
    expect(isOomKillOf(v2, id)).toBe(true);
  });
  it("names the container when the limit hit was its job's parent cgroup (recorded from this host: the parent's counter, same limit, trips first)", () => {
    const parent = `6,1,1,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=${id},mems_allowed=0,oom_memcg=/cjm-cjm_test_c32f35cc609f-job-4,task_memcg=/cjm-cjm_test_c32f35cc609f-job-4/${id},task=tail,pid=24086,uid=0`;
    expect(isOomKillOf(parent, id)).toBe(true);
    const systemdParent = `6,1,1,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/cjm-job-4.slice,task_memcg=/cjm-job-4.slice/docker-${id}.scope,task=tail,pid=1,uid=0`;
    expect(isOomKillOf(systemdParent, id)).toBe(true);
  });
  it('does not count a limit higher up that the container only shares (not the job\'s own)', () => {
    const shared = `6,1,1,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/system.slice,task_memcg=/system.slice/cjm-job-4.slice/docker-${id}.scope,task=tail,pid=1,uid=0`;
    expect(isOomKillOf(shared, id)).toBe(false);
  });
  it('does not match another container, another line, or a too-short id', () => {
    expect(isOomKillOf(v1, 'a'.repeat(64))).toBe(false);
    expect(isOomKillOf(`6,1,1,-;Memory cgroup out of memory: Killed process 9394 (tail)`, id)).toBe(false);
    expect(isOomKillOf(v1, id.slice(0, 6))).toBe(false);
    // an OOM of the whole host (no memcg of this container)
    expect(isOomKillOf('6,1,1,-;oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),oom_memcg=/,task_memcg=/user.slice,task=x,pid=5', id)).toBe(false);
  });
});

describe('kernel OOM check', () => {
  // A plain file stands in for /dev/kmsg: each check reads on from where the last one stopped.
  it('reads only what was logged since the last check, and answers from every OOM kill seen', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'cjm-kmsg-'));
    try {
      const kmsg = path.join(dir, 'kmsg');
      await writeFile(kmsg, '6,1,1,-;eth0: link up\n');
      const check = createKernelOomCheck({ kmsgPath: kmsg });
      expect(await check.wasOomKilled(id)).toBe(false);
      await appendFile(kmsg, `${v1}\n`);
      expect(await check.wasOomKilled(id)).toBe(true);
      expect(await check.wasOomKilled('a'.repeat(64))).toBe(false);
      expect(await check.wasOomKilled(id)).toBe(true); // remembered, not re-read
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a kernel log it cannot open means false, not an error', async () => {
    expect(await createKernelOomCheck({ kmsgPath: '/nonexistent/kmsg' }).wasOomKilled(id)).toBe(false);
  });
});
