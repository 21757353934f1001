/** Runs tasks one at a time per key, in call order, so that updates of one job never interleave and
 * job.updated goes out in order per job. Keys with nothing queued are forgotten. */
export interface KeyedQueue<K = number> {
  run<T>(key: K, task: () => Promise<T>): Promise<T>;
  /** Resolves when every queued task has settled. */
  idle(): Promise<void>;
}

export function createKeyedQueue<K = number>(): KeyedQueue<K> {
  const tails = new Map<K, Promise<unknown>>();
  return {
    run<T>(key: K, task: () => Promise<T>): Promise<T> {
      const prev = tails.get(key) ?? Promise.resolve();
      const next = prev.then(task, task);
      const settled = next.then(
        () => undefined,
        () => undefined,
      );
      tails.set(key, settled);
      // settled never rejects (both outcomes map to undefined above).
      void settled.then(() => {
        if (tails.get(key) === settled) tails.delete(key);
      });
      return next;
    },
    async idle() {
      while (tails.size) await Promise.all([...tails.values()]);
    },
  };
}
