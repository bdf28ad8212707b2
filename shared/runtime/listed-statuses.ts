// What the API's app list shows of each app's status (sync, health, revision, last operation), for
// `gitferry serve`: read once per app and kept until the app's next step is written. As with the
// app catalog (app-catalog.ts), one serve owns its data dir, so every status write goes through
// this process's store (commitStep; deleteApp removes the status) and what is kept is exact, not a
// guess. Listing 10,000 apps read and decoded 10,000 whole statuses per request; now it reads
// those written since the last listing. Only the listed fields are kept (a few hundred bytes an
// app), not the statuses with their resources and messages.
import { listedStatusOf, type ListedStatus } from '../domain/status.js';
import type { Lease, StateStore } from '../ports/state-store.js';

/** The writes that change or remove an app's status, and where each names its app. */
const statusWrites: Record<string, (args: unknown[]) => string | undefined> = {
  commitStep: (a) => (a[0] as Lease | undefined)?.app,
  deleteApp: (a) => a[0] as string,
};

export class ListedStatuses {
  private readonly kept = new Map<string, ListedStatus>();
  /**
   * Per app, counted up before and after each write of its status: odd while one is under way. A
   * read is kept only if the count was even and the same before and after it.
   */
  private readonly writes = new Map<string, number>();
  private store?: StateStore;

  /** `store`, whose status writes drop what is kept of their app. */
  watch<S extends StateStore>(store: S): S {
    const watched = new Proxy(store, {
      get: (target, key, receiver) => {
        const value = Reflect.get(target, key, receiver) as unknown;
        const appOf = typeof key === 'string' ? statusWrites[key] : undefined;
        if (!appOf || typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          const app = appOf(args);
          if (app !== undefined) this.written(app);
          try {
            return (await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)) as unknown;
          } finally {
            if (app !== undefined) this.written(app);
          }
        };
      },
    });
    this.store = watched;
    return watched;
  }

  /** The listed fields of the app's status. */
  async get(app: string): Promise<ListedStatus> {
    const kept = this.kept.get(app);
    if (kept) return kept;
    const before = this.writes.get(app) ?? 0;
    const listed = listedStatusOf(await this.store!.getStatus(app));
    if (before % 2 === 0 && (this.writes.get(app) ?? 0) === before) this.kept.set(app, listed);
    return listed;
  }

  private written(app: string): void {
    this.kept.delete(app);
    this.writes.set(app, (this.writes.get(app) ?? 0) + 1);
  }
}
