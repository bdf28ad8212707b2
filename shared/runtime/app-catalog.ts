// The apps of `gitferry serve`, read once and kept until one of them is written. One serve owns its
// data dir (cli/serve.ts claims it), so every write of an app goes through this process's store
// and the catalog is exact, not a cache that may be stale. The API's list answers from it, sorted
// once instead of decoding and sorting every app per request, and a push finds its apps by
// repository in a map instead of scanning every app per delivery.
import { byName, type App } from '../domain/app.js';
import { repoMatchKey } from '../domain/repo-url.js';
import { appsForPush } from '../control/push-intake.js';
import type { StateStore } from '../ports/state-store.js';
import type { PushEvent } from '../webhooks/types.js';

interface Snapshot {
  generation: number;
  /** Sorted by name. */
  apps: readonly App[];
  /** repoMatchKey of each source's repoURL → the apps with such a source. */
  byRepo: ReadonlyMap<string, readonly App[]>;
}

function keyOf(url: string): string | undefined {
  try {
    return repoMatchKey(url);
  } catch {
    return undefined; // not canonical-able: matches nothing (as appsForPush decides)
  }
}

function snapshotOf(generation: number, apps: App[]): Snapshot {
  // The order the API has always listed in.
  const sorted = [...apps].sort(byName);
  const byRepo = new Map<string, App[]>();
  for (const app of sorted)
    for (const key of new Set(app.sources.map((s) => keyOf(s.repoURL)))) {
      if (key === undefined) continue;
      // Appended in place: a copy per app made a monorepo's 10,000 apps 50 million copies.
      const same = byRepo.get(key);
      if (same) same.push(app);
      else byRepo.set(key, [app]);
    }
  return { generation, apps: sorted, byRepo };
}

/** The writes that change an app's definition. */
const definitionWrites = new Set(['putApp', 'deleteApp']);

export class AppCatalog {
  private generation = 0;
  private snapshot?: Snapshot;
  private loading?: { generation: number; promise: Promise<Snapshot> };
  private store?: StateStore;

  /**
   * `store`, whose app writes make the catalog read again (counted before and after the write:
   * a read that overlaps a write is never kept as current).
   */
  watch<S extends StateStore>(store: S): S {
    const watched = new Proxy(store, {
      get: (target, key, receiver) => {
        const value = Reflect.get(target, key, receiver) as unknown;
        if (typeof key !== 'string' || !definitionWrites.has(key) || typeof value !== 'function')
          return value;
        return async (...args: unknown[]) => {
          this.generation++;
          try {
            return (await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)) as unknown;
          } finally {
            this.generation++;
          }
        };
      },
    });
    this.store = watched;
    return watched;
  }

  /** Every app, sorted by name (one shared array: do not change it). */
  async list(): Promise<readonly App[]> {
    return (await this.current()).apps;
  }

  /** The apps a push concerns: its repository's apps by key, then branch and paths (appsForPush). */
  async forPush(event: PushEvent): Promise<App[]> {
    const { byRepo } = await this.current();
    const candidates = new Set<App>();
    for (const url of event.repoUrls) {
      const key = keyOf(url);
      for (const app of (key && byRepo.get(key)) || []) candidates.add(app);
    }
    return appsForPush([...candidates], event);
  }

  private async current(): Promise<Snapshot> {
    if (this.snapshot?.generation === this.generation) return this.snapshot;
    // Callers share a read begun at the current generation; one begun before a write is not
    // shared (it may miss the write its caller just made).
    if (this.loading?.generation !== this.generation) {
      const generation = this.generation;
      const promise = (async () => {
        const snap = snapshotOf(generation, await this.store!.listApps());
        // Kept only if no write began or ended while reading (else the next call reads again).
        if (generation === this.generation && generation % 2 === 0) this.snapshot = snap;
        return snap;
      })().finally(() => {
        if (this.loading?.promise === promise) this.loading = undefined;
      });
      this.loading = { generation, promise };
    }
    return this.loading!.promise;
  }
}
