import { describe, expect, it } from 'vitest';
import { followJobLog, RpcError, ErrorCode, type CjmApi, type JobLogFollowEvent, type JobLogNotification, type JobLogEndNotification } from '#protocol';

// A fake server for the faults a real one cannot be made to show on demand: a logEnd that beats
// the follow answer, a dropped follow, a resume that repeats bytes already sent.

type Handlers = { 'job.log': ((n: JobLogNotification) => void)[]; 'job.logEnd': ((n: JobLogEndNotification) => void)[] };

function fakeApi(onFollow: (fromOffset: number, sub: string, api: { log(offset: number, data: string, sub?: string): void; end(reason: JobLogEndNotification['reason'], offset: number): void }) => void) {
  const handlers: Handlers = { 'job.log': [], 'job.logEnd': [] };
  const follows: number[] = [];
  const unfollows: string[] = [];
  let n = 0;
  const api = {
    async call(method: string, params: { fromOffset?: number; subscription?: string }) {
      if (method === 'job.unfollow') {
        unfollows.push(params.subscription!);
        return { ok: true };
      }
      if (method !== 'job.follow') throw new Error(`unexpected ${method}`);
      const sub = `s${++n}`;
      const from = params.fromOffset ?? 0;
      follows.push(from);
      onFollow(from, sub, {
        log: (offset, data, s = sub) => {
          for (const h of handlers['job.log']) h({ subscription: s, id: 7, stream: 'stdout', data, offset, nextOffset: offset + Buffer.byteLength(data), at: new Date().toISOString() });
        },
        end: (reason, offset) => {
          for (const h of handlers['job.logEnd']) h({ subscription: sub, id: 7, reason, offset });
        },
      });
      await Promise.resolve();
      return { subscription: sub };
    },
    on(name: keyof Handlers, h: never) {
      (handlers[name] as unknown[]).push(h);
      return () => undefined;
    },
  } as unknown as CjmApi;
  return { api, follows, unfollows };
}

async function collect(it: AsyncIterable<JobLogFollowEvent>): Promise<{ text: string; end: JobLogFollowEvent | undefined }> {
  let text = '';
  let end: JobLogFollowEvent | undefined;
  for await (const ev of it) {
    if (ev.kind === 'chunk') text += ev.chunk.data;
    else end = ev;
  }
  return { text, end };
}

describe('followJobLog', () => {
  it('ends when the logEnd arrives before the answer naming its subscription', async () => {
    const { api } = fakeApi((from, _sub, s) => {
      s.log(from, 'all of it\n');
      s.end('finished', from + 10);
    });
    const r = await collect(followJobLog(api, 7, { from: 0 }));
    expect(r.text).toBe('all of it\n');
    expect(r.end).toMatchObject({ kind: 'end', reason: 'finished', offset: 10 });
  });

  it('resumes a dropped follow from the last byte taken and trims the repeated overlap', async () => {
    const { api, follows } = fakeApi((from, _sub, s) => {
      if (from === 0) {
        s.log(0, 'abc');
        setTimeout(() => s.end('dropped', 3), 5);
      } else {
        // The resumed follow repeats "bc" before the new bytes.
        setTimeout(() => {
          s.log(1, 'bcdef');
          s.end('finished', 6);
        }, 5);
      }
    });
    const r = await collect(followJobLog(api, 7, { from: 0 }));
    expect(r.text).toBe('abcdef');
    expect(follows).toEqual([0, 3]);
    expect(r.end).toMatchObject({ reason: 'finished', offset: 6 });
  });

  it('stops at `until` and cuts the chunk that crosses it', async () => {
    const { api, unfollows } = fakeApi((from, _sub, s) => setTimeout(() => s.log(from, '0123456789'), 5));
    const r = await collect(followJobLog(api, 7, { from: 0, until: 4 }));
    expect(r.text).toBe('0123');
    expect(r.end).toMatchObject({ reason: 'reached', offset: 4 });
    expect(unfollows).toEqual(['s1']);
  });

  it('ignores another subscription\'s chunks for bytes it already has', async () => {
    const { api } = fakeApi((from, sub, s) => {
      setTimeout(() => {
        s.log(0, 'xy');
        s.log(0, 'xy', 'other'); // the same bytes again: dropped
        s.end('finished', 2);
      }, 5);
      void sub;
    });
    const r = await collect(followJobLog(api, 7, { from: 0 }));
    expect(r.text).toBe('xy');
  });

  it('ends `removed` when the job is gone', async () => {
    const api = {
      call: () => Promise.reject(new RpcError(ErrorCode.JobNotFound, 'job not found')),
      on: () => () => undefined,
    } as unknown as CjmApi;
    const r = await collect(followJobLog(api, 7, { from: 0 }));
    expect(r.end).toMatchObject({ reason: 'removed' });
  });
});
