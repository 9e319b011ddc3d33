/**
 * A least-recently-used map bounded by a total cost (bytes, for rasters), so a long run that
 * touches every icon at many sizes keeps only the recently drawn ones in memory.
 */
export interface Lru<V> {
  get(key: string): V | undefined;
  set(key: string, value: V, cost: number): void;
  delete(key: string): void;
  readonly size: number;
  readonly cost: number;
}

export function createLru<V>(maxCost: number): Lru<V> {
  // A Map iterates in insertion order; re-inserting on every hit keeps the oldest entry first.
  const entries = new Map<string, { value: V; cost: number }>();
  let total = 0;
  return {
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      entries.delete(key);
      entries.set(key, entry);
      return entry.value;
    },
    set(key, value, cost) {
      const old = entries.get(key);
      if (old) {
        total -= old.cost;
        entries.delete(key);
      }
      entries.set(key, { value, cost });
      total += cost;
      for (const [oldest, entry] of entries) {
        if (total <= maxCost || entries.size === 1) break;
        entries.delete(oldest);
        total -= entry.cost;
      }
    },
    delete(key) {
      const entry = entries.get(key);
      if (!entry) return;
      entries.delete(key);
      total -= entry.cost;
    },
    get size() {
      return entries.size;
    },
    get cost() {
      return total;
    },
  };
}
