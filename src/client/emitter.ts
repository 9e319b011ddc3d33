/**
 * A small typed event emitter: `on` returns its own unsubscribe function, so a listener is
 * removed exactly (other clients' `off()` removed the wrong entries and leaked listeners).
 * A throwing listener does not stop the others.
 */
export type Listener<T> = (payload: T) => void;

export interface Emitter<E extends object> {
  on<K extends keyof E>(type: K, listener: Listener<E[K]>): () => void;
  emit<K extends keyof E>(type: K, payload: E[K]): void;
  clear(): void;
}

export function createEmitter<E extends object>(onListenerError?: (error: unknown) => void): Emitter<E> {
  const listeners = new Map<keyof E, Set<Listener<never>>>();
  return {
    on(type, listener) {
      let set = listeners.get(type);
      if (!set) listeners.set(type, (set = new Set()));
      const entry = listener as Listener<never>;
      set.add(entry);
      return () => {
        set.delete(entry);
      };
    },
    emit(type, payload) {
      const set = listeners.get(type);
      if (!set) return;
      for (const listener of [...set]) {
        try {
          (listener as Listener<typeof payload>)(payload);
        } catch (error) {
          onListenerError?.(error);
        }
      }
    },
    clear() {
      listeners.clear();
    },
  };
}
