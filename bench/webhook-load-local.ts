// Part of bench/webhook-load.ts (BENCH_ONLY=local): serve's webhook route and API list in one
// process, on a SQLite file with the store's default sync (FULL), without the test bed or a
// worker, each run twice in the same run: with this process's fixes off (a scan of every app per
// request, one synced commit per write) and on (the app catalog and the intake's group commit).
// The sender shares the process, so rates are lower than a separate client would see: compare the
// two lines, not the figures with the full bench's.
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve as serveHttp } from '@hono/node-server';
import { createApiApp } from '../shared/api/api-app.js';
import { openDatabase } from '../shared/adapters/local/sqlite-database.js';
import { SqliteJobQueue } from '../shared/adapters/local/sqlite-job-queue.js';
import { SqliteStateStore } from '../shared/adapters/local/sqlite-state-store.js';
import { silentLogger } from '../shared/ports/logger.js';
import { buildAccess } from '../shared/runtime/access.js';
import { AppCatalog } from '../shared/runtime/app-catalog.js';
import { sqliteGroupCommit } from '../shared/runtime/group-commit.js';

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.max(0, Math.ceil((p / 100) * xs.length) - 1))] ??
  0;

async function startLocal(fixes: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'gitferry-bench-local-'));
  const db = openDatabase(join(dir, 'gitferry.db'));
  const catalog = new AppCatalog();
  const store = catalog.watch(new SqliteStateStore(db));
  const durability = sqliteGroupCommit(db);
  const access = await buildAccess({ adminToken: 'bench', store, sourceOf: () => '127.0.0.1' }, silentLogger);
  const api = createApiApp({
    store,
    queue: new SqliteJobQueue(db),
    controller: {} as never,
    log: silentLogger,
    now: Date.now,
    token: 'bench',
    access,
    webhookSecrets: async () => ({ github: 'bench-secret' }),
    ...(fixes
      ? {
          listApps: () => catalog.list(),
          appsForPush: (e) => catalog.forPush(e),
          webhookDurability: durability,
        }
      : {}),
  });
  const server = await new Promise<ReturnType<typeof serveHttp>>((resolve) => {
    const s = serveHttp({ fetch: api.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    store,
    url,
    async close() {
      server.close();
      await durability.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const appOf = (name: string, repoURL: string, branch: string) => ({
  name,
  project: 'default',
  sources: [{ repoURL, path: 'app', targetRevision: branch }],
  destination: { name: 'nowhere', namespace: 'default' },
  syncPolicy: {},
  ignoreDifferences: [],
  revisionHistoryLimit: 10,
  annotations: {},
});

/** rate × seconds pushes for 50 apps, 20 % redeliveries, 5 % bad signatures; bounded in flight. */
async function intake(fixes: boolean, rate: number, seconds: number): Promise<boolean> {
  const local = await startLocal(fixes);
  try {
    const repo = 'https://git.example.com/acme/load.git';
    for (let i = 0; i < 50; i++) await local.store.putApp(appOf(`app-${i}`, repo, `b-${i}`));
    let seed = 18;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const valid: { headers: Record<string, string>; body: string }[] = [];
    const answers: { ms: number; status: number }[] = [];
    const pending = new Set<Promise<void>>();
    const total = rate * seconds;
    const t0 = performance.now();
    for (let n = 0; n < total; n++) {
      const wait = t0 + (n * 1000) / rate - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      while (pending.size >= 400) await Promise.race(pending);
      const pick = rnd();
      let d = valid[valid.length - 1 - Math.floor(rnd() * Math.min(valid.length, 200))];
      if (pick >= 0.2 || !d) {
        const sha = `${n.toString(16)}${'a'.repeat(40)}`.slice(0, 40);
        const body = JSON.stringify({
          ref: `refs/heads/b-${n % 50}`,
          before: '0'.repeat(40),
          after: sha,
          created: false,
          deleted: false,
          forced: false,
          repository: { clone_url: repo },
          commits: [],
          head_commit: { id: sha },
        });
        let sig = `sha256=${createHmac('sha256', 'bench-secret').update(body).digest('hex')}`;
        const bad = pick >= 0.2 && pick < 0.25;
        if (bad) sig = sig.slice(0, -1) + (sig.at(-1) === '0' ? '1' : '0');
        d = {
          headers: { 'x-github-event': 'push', 'x-github-delivery': `d-${n}`, 'x-hub-signature-256': sig },
          body,
        };
        if (!bad) valid.push(d);
      }
      const t = performance.now();
      const p = fetch(`${local.url}/api/webhook`, { method: 'POST', headers: d.headers, body: d.body })
        .then(
          async (r) =>
            void (await r.arrayBuffer(), answers.push({ ms: performance.now() - t, status: r.status })),
          () => void answers.push({ ms: performance.now() - t, status: 0 }),
        )
        .finally(() => pending.delete(p));
      pending.add(p);
    }
    const sentIn = (performance.now() - t0) / 1000;
    await Promise.all(pending);
    const ms = answers.map((a) => a.ms);
    const count = (s: number) => answers.filter((a) => a.status === s).length;
    const errors = answers.length - count(202) - count(200) - count(401);
    console.log(
      `serve webhook route in-process, fixes ${fixes ? 'on ' : 'off'} (load: ${load()}): ${total} at ${(total / sentIn).toFixed(0)}/s sent (asked ${rate}/s), ` +
        `all answered in ${((performance.now() - t0) / 1000).toFixed(1)} s; p50 ${pct(ms, 50).toFixed(0)} ms, p99 ${pct(ms, 99).toFixed(0)} ms; ` +
        `${count(202)} accepted, ${count(200)} duplicate, ${count(401)} refused, ${errors} errors`,
    );
    return errors === 0;
  } finally {
    await local.close();
  }
}

/** 1,000 apps, `clients` clients each listing a page and reading one app in turn. */
async function apiList(fixes: boolean, apiApps: number, clients: number): Promise<boolean> {
  const local = await startLocal(fixes);
  try {
    const names = Array.from({ length: apiApps }, (_, i) => `api-${String(i).padStart(4, '0')}`);
    for (const name of names) await local.store.putApp(appOf(name, 'https://git.invalid/x.git', 'main'));
    const headers = { authorization: 'Bearer bench' };
    const samples: { ms: number; kind: string; ok: boolean }[] = [];
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        for (let k = 0; k < 20; k++) {
          const list = k % 2 === 0;
          const start = ((c * 7 + k) % 10) * 100;
          const path = list
            ? `/api/v1/apps?limit=100${start ? `&cursor=${Buffer.from(String(start)).toString('base64url')}` : ''}`
            : `/api/v1/apps/${names[(c * 131 + k * 17) % names.length]}`;
          const t = performance.now();
          const ok = await fetch(`${local.url}${path}`, { headers }).then(
            async (r) => (await r.arrayBuffer(), r.status === 200),
            () => false,
          );
          samples.push({ ms: performance.now() - t, kind: list ? 'list' : 'get', ok });
        }
      }),
    );
    const of = (k: string) => samples.filter((s) => s.kind === k).map((s) => s.ms);
    const errors = samples.filter((s) => !s.ok).length;
    console.log(
      `API in-process, fixes ${fixes ? 'on ' : 'off'} (load: ${load()}): ${samples.length} requests of ${clients} clients over ${apiApps} apps in ${((performance.now() - t0) / 1000).toFixed(1)} s; ` +
        `list p50 ${pct(of('list'), 50).toFixed(0)} ms p99 ${pct(of('list'), 99).toFixed(0)} ms; read one p50 ${pct(of('get'), 50).toFixed(0)} ms p99 ${pct(of('get'), 99).toFixed(0)} ms; ${errors} errors`,
    );
    return errors === 0;
  } finally {
    await local.close();
  }
}

export async function localComparison(o: {
  rate: number;
  seconds: number;
  apiApps: number;
  clients: number;
}): Promise<boolean> {
  let ok = true;
  for (const fixes of [false, true]) ok = (await intake(fixes, o.rate, o.seconds)) && ok;
  for (const fixes of [false, true]) ok = (await apiList(fixes, o.apiApps, o.clients)) && ok;
  return ok;
}
