// Charts fetched for chart dependencies, kept on disk between renders. Apart from
// helm-dependencies.ts (which fetches them) so that building a renderer does not load the chart
// fetchers (tar, semver): a Lambda bundle keeps those in a chunk loaded by the first Helm render.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Chart dependencies fetched for a Chart.lock, kept on disk for the renders that follow (one
 * directory of charts per key, least recently used dropped past `maxEntries`). A key covers the
 * lock's whole content (its digest and pinned versions), the dependencies asked for and a hash of
 * the credentials used: an app without a registry's credentials never gets a chart another app
 * fetched with them.
 */
export class ChartDependencyCache {
  private readonly keys = new Map<string, string>();
  constructor(
    private readonly root: string,
    private readonly maxEntries = 32,
  ) {}

  /** The directory holding the charts for key (one sub-directory per dependency), if cached. */
  get(key: string): string | undefined {
    const dir = this.keys.get(key);
    if (!dir || !existsSync(dir)) return undefined;
    this.keys.delete(key);
    this.keys.set(key, dir);
    return dir;
  }

  /** Copies `charts` (name → chart directory) into the cache under key. */
  async put(key: string, charts: Map<string, string>): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: 0o711 });
    const dir = join(this.root, randomBytes(16).toString('hex'));
    const filling = `${dir}.filling`;
    for (const [name, from] of charts) await cp(from, join(filling, name), { recursive: true });
    await rename(filling, dir);
    this.keys.set(key, dir);
    while (this.keys.size > this.maxEntries) {
      const [oldest, old] = this.keys.entries().next().value!;
      this.keys.delete(oldest);
      await rm(old, { recursive: true, force: true });
    }
  }
}
