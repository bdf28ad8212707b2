// The local runtime's change feed: a store wrapper that announces the app after every write that
// can change what a view shows (status and operation through commitStep, the spec, sync requests,
// deletes). Listeners run after the write resolved, so a reader that reacts sees the new state.
import { EventEmitter } from 'node:events';
import type { AppChanges } from '../api/app-changes.js';
import type { Lease, StateStore } from '../ports/state-store.js';

type AppOf = (args: unknown[]) => string | undefined;

/** The writes that change a view, and where each names its app. */
const announcing: Record<string, AppOf> = {
  commitStep: (a) => (a[0] as Lease | undefined)?.app,
  putApp: (a) => (a[0] as { name?: string } | undefined)?.name,
  deleteApp: (a) => a[0] as string,
  requestSync: (a) => a[0] as string,
};

export class AppChangeFeed implements AppChanges {
  private readonly emitter = new EventEmitter();

  constructor() {
    // Every open browser tab is a listener.
    this.emitter.setMaxListeners(0);
  }

  subscribe(listener: (app: string) => void): () => void {
    this.emitter.on('change', listener);
    return () => this.emitter.off('change', listener);
  }

  announce(app: string): void {
    this.emitter.emit('change', app);
  }

  /** `store`, whose view-changing writes announce their app once they succeed. */
  observe<S extends StateStore>(store: S): S {
    return new Proxy(store, {
      get: (target, key, receiver) => {
        const value = Reflect.get(target, key, receiver) as unknown;
        const appOf = typeof key === 'string' ? announcing[key] : undefined;
        if (!appOf || typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          const result = (await (value as (...a: unknown[]) => Promise<unknown>).apply(
            target,
            args,
          )) as unknown;
          const app = appOf(args);
          if (app) this.announce(app);
          return result;
        };
      },
    });
  }
}
