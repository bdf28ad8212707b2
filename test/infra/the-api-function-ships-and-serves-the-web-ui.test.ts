// On AWS the API function serves the web UI: the function build puts the built UI beside
// the API's bundle (and only there), and what it ships is what the API app then answers at `/`,
// under the same Content-Security-Policy as `gitferry serve`.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createApiApp } from '../../shared/api/api-app.js';
import { openDatabase } from '../../shared/adapters/local/sqlite-database.js';
import { SqliteJobQueue } from '../../shared/adapters/local/sqlite-job-queue.js';
import { SqliteStateStore } from '../../shared/adapters/local/sqlite-state-store.js';
import type { WakeUpHandler } from '../../shared/control/wake-up.js';
import { silentLogger } from '../../shared/ports/logger.js';
import { loadUiBundle } from '../../shared/runtime/ui-bundle.js';
import { GitferryStack } from '../../infra/gitferry-stack.js';
import { testApp, testEnv } from './synth-gitferry.js';

test("the API function's asset carries the built web UI, which the API app serves at /", async () => {
  const app = testApp({ bundle: true });
  new GitferryStack(app, 'Gitferry', { env: testEnv, deployer: { plainYamlOnly: true } });
  const assembly = app.synth();
  const db = openDatabase(':memory:');
  try {
    const bundles = readdirSync(assembly.directory)
      .filter((n) => n.startsWith('asset.'))
      .map((n) => join(assembly.directory, n))
      .filter((d) => existsSync(join(d, 'index.mjs')));
    const withUi = bundles.filter((d) => existsSync(join(d, 'ui', 'index.html')));
    expect(bundles).toHaveLength(4);
    expect(withUi).toHaveLength(1);
    const ui = loadUiBundle(join(withUi[0]!, 'ui'))!;
    // Older builds' assets stay a day (pages loaded before a deploy still find theirs).
    expect([...ui.files.keys()].filter((k) => /^assets\/main-\w+\.css$/.test(k)).length).toBeGreaterThan(0);

    const api = createApiApp({
      store: new SqliteStateStore(db),
      queue: new SqliteJobQueue(db),
      controller: {} as WakeUpHandler,
      log: silentLogger,
      now: Date.now,
      ui,
    });
    const page = await api.request('/applications');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const script = /src="(\/assets\/main-\w+\.js)"/.exec(html)![1]!;
    const js = await api.request(script);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toContain('immutable');
    // No change feed on Lambda: the UI is told to poll.
    expect((await api.request('/api/v1/stream', { headers: { accept: 'text/event-stream' } })).status).toBe(
      501,
    );
  } finally {
    db.close();
    rmSync(assembly.directory, { recursive: true, force: true });
  }
});
