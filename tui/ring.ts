// A fixed-size ring of the newest values: pushing past capacity drops the oldest, so a job's chart
// history costs the same after an hour as after a minute.

export interface Ring<T> {
  readonly capacity: number;
  readonly size: number;
  push(value: T): void;
  /** Oldest first. */
  values(): T[];
}

export function createRing<T>(capacity: number): Ring<T> {
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`);
  const slots: T[] = [];
  let next = 0;
  return {
    capacity,
    get size() {
      return slots.length;
    },
    push(value) {
      if (slots.length < capacity) slots.push(value);
      else slots[next] = value;
      next = (next + 1) % capacity;
    },
    values() {
      return slots.length < capacity ? [...slots] : [...slots.slice(next), ...slots.slice(0, next)];
    },
  };
}
