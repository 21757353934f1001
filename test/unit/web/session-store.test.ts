import { describe, expect, it } from 'vitest';
import { createSessionStore, sameToken } from '../../../web/session-store.js';

function api() {
  return { closed: 0, close() { this.closed++; } };
}

describe('the session store', () => {
  it('creates random ids and CSRF tokens and finds sessions by id', () => {
    const store = createSessionStore<ReturnType<typeof api>>();
    const a = store.create({ token: 't', user: 'u', admin: false, api: null });
    const b = store.create({ token: 't', user: 'u', admin: false, api: null });
    expect(a.id).not.toBe(b.id);
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.csrf).not.toBe(a.id);
    expect(store.get(a.id)).toBe(a);
    expect(store.get('nope')).toBeUndefined();
    expect(store.get(undefined)).toBeUndefined();
  });

  it('expires idle sessions and closes their connection', () => {
    let t = 0;
    const store = createSessionStore<ReturnType<typeof api>>({ idleMs: 1000, now: () => t });
    const conn = api();
    const s = store.create({ token: 't', user: 'u', admin: false, api: conn });
    t = 900;
    expect(store.get(s.id)).toBe(s); // use keeps it alive
    t = 1800;
    expect(store.isLive(s.id)).toBe(true);
    t = 2000;
    expect(store.isLive(s.id)).toBe(false);
    expect(store.get(s.id)).toBeUndefined();
    expect(conn.closed).toBe(1);
  });

  it('expires sessions after the absolute limit even when used', () => {
    let t = 0;
    const store = createSessionStore<ReturnType<typeof api>>({ idleMs: 1000, maxAgeMs: 2500, now: () => t });
    const s = store.create({ token: 't', user: 'u', admin: false, api: null });
    for (t = 500; t <= 2500; t += 500) expect(store.get(s.id)).toBe(s);
    t = 2600;
    expect(store.get(s.id)).toBeUndefined();
  });

  it('is bounded: the longest idle session goes first', () => {
    let t = 0;
    const store = createSessionStore<ReturnType<typeof api>>({ maxSessions: 2, now: () => t });
    const conns = [api(), api(), api()];
    const a = store.create({ token: 'a', user: 'a', admin: false, api: conns[0]! });
    t = 1;
    const b = store.create({ token: 'b', user: 'b', admin: false, api: conns[1]! });
    t = 2;
    store.get(a.id); // a used after b
    const c = store.create({ token: 'c', user: 'c', admin: false, api: conns[2]! });
    expect(store.size).toBe(2);
    expect(store.get(b.id)).toBeUndefined();
    expect(conns[1]!.closed).toBe(1);
    expect(store.get(a.id)).toBe(a);
    expect(store.get(c.id)).toBe(c);
  });

  it('delete and closeAll close connections', () => {
    const store = createSessionStore<ReturnType<typeof api>>();
    const conns = [api(), api()];
    const a = store.create({ token: 'a', user: 'a', admin: false, api: conns[0]! });
    store.create({ token: 'b', user: 'b', admin: false, api: conns[1]! });
    store.delete(a.id);
    expect(conns[0]!.closed).toBe(1);
    store.closeAll();
    expect(conns[1]!.closed).toBe(1);
    expect(store.size).toBe(0);
  });

  it('compares tokens exactly', () => {
    expect(sameToken('abc', 'abc')).toBe(true);
    expect(sameToken('abc', 'abd')).toBe(false);
    expect(sameToken('abc', 'abcd')).toBe(false);
    expect(sameToken(undefined, 'abc')).toBe(false);
  });
});
