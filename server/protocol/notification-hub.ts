import type { NotificationName, NotificationOf } from './methods.js';

/** The handler registry behind every `CjmApi.on`: handlers per notification name, each delivery
 * isolated so that one throwing handler never stops the others. */
export interface NotificationHub {
  on<N extends NotificationName>(name: N, handler: (params: NotificationOf<N>) => void): () => void;
  emit(name: string, params: unknown): void;
  clear(): void;
}

export function createNotificationHub(onHandlerError: (err: unknown) => void = () => undefined): NotificationHub {
  const handlers = new Map<string, Set<(p: unknown) => void>>();
  return {
    on(name, handler) {
      const set = handlers.get(name) ?? new Set();
      handlers.set(name, set);
      const h = handler as (p: unknown) => void;
      set.add(h);
      return () => set.delete(h);
    },
    emit(name, params) {
      for (const h of [...(handlers.get(name) ?? [])]) {
        try {
          h(params);
        } catch (e) {
          onHandlerError(e);
        }
      }
    },
    clear: () => handlers.clear(),
  };
}
