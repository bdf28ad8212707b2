// Webhook intake and API under load, on loopback, bounded in count and time (issue 18).
//  1. Webhook intake through the Lambda handlers (in-process, moto's DynamoDB and SQS) and through
//     `gitferry serve`: BENCH_RATE deliveries/s (200) for BENCH_SECONDS (30) s, pushes for
//     BENCH_APPS (50) apps whose branches move on in BENCH_ROUNDS (6) rounds, 20 % redeliveries of a
//     delivery id, 5 % bad signatures; the worker runs meanwhile. Reports the achieved rate, answer
//     times (p50/p99), accepted/duplicate/refused counts, errors, the time the queue took to drain
//     after the last delivery, and the correctness checks (no accepted delivery lost, no revision
//     synced twice).
//  2. The API of `gitferry serve` with BENCH_API_APPS (1,000) apps under BENCH_CLIENTS (50)
//     concurrent clients, each listing a page and reading one app in turn: p50/p99, errors.
// Baselines, measured in the same run: 20 deliveries sent one at a time, and a /healthz round trip.
// Usage: node --import tsx bench/webhook-load.ts   (starts the test bed unless GITFERRY_TESTBED_STATE is set)
//        BENCH_ONLY=local node --import tsx bench/webhook-load.ts   (no test bed: fixes off/on in-process)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg as osLoadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  startTestbed,
  stateEnvVar,
  stateFile,
  stopTestbed,
  readState,
  type TestbedState,
} from '../test/testbed/testbed.js';
import { freePort } from '../test/testbed/free-port.js';
import type { LoadRepo, RunView } from '../test/support/webhook-load.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const rate = env('BENCH_RATE', 200);
const seconds = env('BENCH_SECONDS', 30);
const apps = env('BENCH_APPS', 50);
const rounds = env('BENCH_ROUNDS', 6);
const apiApps = env('BENCH_API_APPS', 1_000);
const clients = env('BENCH_CLIENTS', 50);
const perClient = env('BENCH_REQUESTS_PER_CLIENT', 40);
const drainLimitMs = env('BENCH_DRAIN_SECONDS', 600) * 1000;

// BENCH_ONLY=local: serve's webhook route and API list in-process, without the test bed, each with
// this branch's fixes off and then on, in the same run (see localComparison below).
if (process.env.BENCH_ONLY === 'local') {
  const { localComparison } = await import('./webhook-load-local.js');
  process.exit((await localComparison({ rate, seconds: Math.min(seconds, 10), apiApps, clients })) ? 0 : 1);
}

const owned = !process.env[stateEnvVar];
const bed: TestbedState = owned ? await startTestbed() : readState(process.env[stateEnvVar]!);
process.env[stateEnvVar] = stateFile(bed);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.GITFERRY_LOG_LEVEL = 'ERROR';
// Powertools' metrics print a warning per invocation when a batch published nothing.
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const { startControlPlane } = await import('../test/support/control-plane.js');
const { startServe } = await import('../test/support/serve.js');
const { kubectl, uniqueName } = await import('../test/support/testbed.js');
const load = await import('../test/support/webhook-load.js');

const mix = { apps, rounds, rate, total: rate * seconds, duplicateFraction: 0.2, badSignatureFraction: 0.05 };
const namespaces: string[] = [];
const ms = (x: number) => `${x.toFixed(0)} ms`;
/** The machine's load averages (1, 5, 15 min), printed beside every figure. */
const loadavg = () =>
  osLoadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

type LoadResult = Awaited<ReturnType<typeof load.runWebhookLoad>>;

/** 20 deliveries one at a time (5/s, no duplicates, no bad signatures): the baseline answer time. */
function baselineRun(send: Parameters<typeof load.runWebhookLoad>[0], repo: LoadRepo, secret: string) {
  return load.runWebhookLoad(send, {
    ...mix,
    rounds: 1,
    rate: 5,
    total: 20,
    duplicateFraction: 0,
    badSignatureFraction: 0,
    maxInFlight: 1,
    repo,
    secret,
  });
}

function report(
  path: string,
  result: LoadResult,
  baseline: LoadResult,
  drainMs: number,
  violations: string[],
) {
  const t = load.tally(result);
  console.log(
    `${path} (load: ${loadavg()}): ${t.sent} deliveries at ${result.achievedRate.toFixed(0)}/s (asked ${rate}/s) — ` +
      `answer p50 ${ms(load.percentile(result, 50))}, p99 ${ms(load.percentile(result, 99))} ` +
      `(one at a time: p50 ${ms(load.percentile(baseline, 50))}; p99 under load ${(load.percentile(result, 99) / load.percentile(baseline, 50)).toFixed(1)}× it); ` +
      `${t.accepted} accepted, ${t.duplicateAnswers} answered duplicate, ${t.refused} refused (bad signature), ` +
      `${t.badSignaturesAccepted} bad signatures accepted, ${t.serverErrors} 5xx, ${t.crashes} crashes, ${t.other} other; ` +
      `queue drained ${(drainMs / 1000).toFixed(1)} s after the last answer; ` +
      `${violations.length === 0 ? 'no accepted delivery lost, no revision synced twice' : `VIOLATIONS:\n  ${violations.join('\n  ')}`}`,
  );
  return violations.length === 0 && t.badSignaturesAccepted + t.serverErrors + t.crashes === 0;
}

/**
 * moto's own ceiling, measured apart from our code: raw calls of each kind the intake makes, 20
 * at a time (moto's server is one Python process). A new push costs the intake 5 calls (claim
 * PutItem, apps Query on the list index, request PutItem, SendMessage, confirm PutItem), a
 * duplicate 1 (2 when it lost the claim: the Query that tells done from pending).
 */
async function motoCeiling(cp: Awaited<ReturnType<typeof startControlPlane>>): Promise<void> {
  const { CreateQueueCommand, DeleteQueueCommand, SendMessageCommand } = await import('@aws-sdk/client-sqs');
  const probe = (await cp.sqs.send(new CreateQueueCommand({ QueueName: uniqueName('bench-probe') })))
    .QueueUrl!;
  const calls = 300;
  const rateOf = async (what: string, call: (i: number) => Promise<unknown>) => {
    let next = 0;
    const t = performance.now();
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < calls) await call(next++);
      }),
    );
    const perSecond = calls / ((performance.now() - t) / 1000);
    return `${what} ${perSecond.toFixed(0)}/s`;
  };
  try {
    const figures = [
      await rateOf('SendMessage', () =>
        cp.sqs.send(
          new SendMessageCommand({ QueueUrl: probe, MessageBody: '{"app":"probe","reason":"drift"}' }),
        ),
      ),
      await rateOf('PutItem', (i) => cp.store.recordDelivery(uniqueName(`probe-${i}`), 60, Date.now())),
      await rateOf(`Query of the ${apps} apps`, () => cp.store.listApps()),
    ];
    console.log(`moto alone, ${calls} calls each, 20 at a time: ${figures.join(', ')} (load: ${loadavg()})`);
  } finally {
    await cp.sqs.send(new DeleteQueueCommand({ QueueUrl: probe })).catch(() => {});
  }
}

async function lambdaPath(): Promise<boolean> {
  const cp = await startControlPlane();
  try {
    const ns = uniqueName('bench-load');
    namespaces.push(ns);
    const repo = await load.createLoadRepo({ apps, rounds, configMapPrefix: 'load' });
    const appName = (i: number) => `${ns}-${i}`;
    for (let i = 0; i < apps; i++)
      await cp.store.putApp(load.loadApp(appName(i), repo, i, ns, cp.clusterName));
    const woken = new Set<string>();
    const onBody = (body: string) => {
      const id = (JSON.parse(body) as { deliveryId?: string }).deliveryId;
      if (id) woken.add(id);
    };
    let sending = true;
    const worker = (async () => {
      while (sending) await cp.drain({ until: async () => !sending, timeoutMs: drainLimitMs, onBody });
    })();
    const send: Parameters<typeof load.runWebhookLoad>[0] = async (d) => {
      const res = await cp.webhook({ headers: d.headers, body: d.body });
      return { status: res.statusCode, body: res.body };
    };
    await motoCeiling(cp);
    const baseline = await baselineRun(send, repo, cp.webhookSecret);
    const result = await load
      .runWebhookLoad(send, { ...mix, repo, secret: cp.webhookSecret })
      .finally(() => (sending = false));
    const acceptedAll = [...load.accepted(baseline), ...load.accepted(result)];
    await worker;
    const t0 = performance.now();
    await cp.drain({ onBody, timeoutMs: drainLimitMs });
    const drainMs = performance.now() - t0;
    const finals = new Map<string, { revision?: string; sync?: string; runs: RunView[] }>();
    for (let i = 0; i < apps; i++) {
      const s = await cp.store.getStatus(appName(i));
      finals.set(appName(i), {
        revision: s?.sync.revision,
        sync: s?.sync.status,
        runs: await cp.store.listRuns(appName(i), 200),
      });
    }
    const lost = acceptedAll.filter((d) => !woken.has(d.deliveryId));
    const depth = await cp.queueDepth();
    const violations = [
      ...load.loadViolations({ repo, apps, appName }, acceptedAll, finals),
      ...lost.map((d) => `delivery ${d.deliveryId} accepted but never woken`),
      ...(depth.visible + depth.delayed + depth.inFlight > 0
        ? [`queue not drained: ${JSON.stringify(depth)}`]
        : []),
    ];
    return report('Lambda handlers (moto)', result, baseline, drainMs, violations);
  } finally {
    cp.dispose();
  }
}

async function servePath(): Promise<boolean> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gitferry-bench-load-'));
  const secret = uniqueName('bench-secret');
  const server = await startServe({
    port: await freePort(),
    dataDir,
    cluster: true,
    env: { GITFERRY_SECRET_WEBHOOKS_GITHUB: secret, GITFERRY_LOG_LEVEL: 'ERROR' },
  });
  const db = new Database(join(dataDir, 'gitferry.db'), { readonly: true });
  try {
    const { url } = server;
    const token = readFileSync(join(dataDir, 'api-token'), 'utf8').trim();
    const api = (method: string, path: string, body?: string) =>
      fetch(`${url}${path}`, {
        method,
        body,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/yaml' },
      });
    const ns = uniqueName('bench-load');
    namespaces.push(ns);
    const repo = await load.createLoadRepo({ apps, rounds, configMapPrefix: 'load' });
    const appName = (i: number) => `${ns}-${i}`;
    for (let i = 0; i < apps; i++) {
      const res = await api('POST', '/api/v1/apps', load.loadApplicationYaml(appName(i), repo, i, ns));
      if (res.status !== 201) throw new Error(`creating ${appName(i)}: ${res.status} ${await res.text()}`);
    }
    const send: Parameters<typeof load.runWebhookLoad>[0] = async (d) => {
      const res = await fetch(`${url}/api/webhook`, { method: 'POST', headers: d.headers, body: d.body });
      return { status: res.status, body: await res.text() };
    };
    const baseline = await baselineRun(send, repo, secret);
    const result = await load.runWebhookLoad(
      send,
      only === 'api' ? { ...mix, total: 0, repo, secret } : { ...mix, repo, secret },
    );
    const acceptedAll = [...load.accepted(baseline), ...load.accepted(result)];
    const finalsNow = () => {
      const finals = new Map<string, { revision?: string; sync?: string; runs: RunView[] }>();
      for (let i = 0; i < apps; i++) {
        const row = db.prepare('SELECT status, operation FROM app_states WHERE app = ?').get(appName(i)) as
          { status: string | null; operation: string | null } | undefined;
        const status = row?.status
          ? (JSON.parse(row.status) as { sync: { status: string; revision?: string } })
          : undefined;
        const runs = (
          db.prepare('SELECT doc FROM sync_runs WHERE app = ?').all(appName(i)) as { doc: string }[]
        ).map((r) => JSON.parse(r.doc) as RunView);
        finals.set(appName(i), {
          revision: row?.operation ? undefined : status?.sync.revision,
          sync: status?.sync.status,
          runs,
        });
      }
      return finals;
    };
    const queued = () => (db.prepare('SELECT count(*) AS n FROM job_messages').get() as { n: number }).n;
    const t0 = performance.now();
    let violations = load.loadViolations({ repo, apps, appName }, acceptedAll, finalsNow());
    while ((violations.length > 0 || queued() > 0) && performance.now() - t0 < drainLimitMs) {
      await new Promise((r) => setTimeout(r, 250));
      violations = load.loadViolations({ repo, apps, appName }, acceptedAll, finalsNow());
    }
    const drainMs = performance.now() - t0;
    const audit = (db.prepare('SELECT doc FROM audit_entries').all() as { doc: string }[])
      .map((r) => r.doc)
      .join('\n');
    const dead = (db.prepare('SELECT count(*) AS n FROM dead_letters').get() as { n: number }).n;
    violations = [
      ...violations,
      ...load
        .accepted(result)
        .filter((d) => !audit.includes(d.deliveryId))
        .map((d) => `delivery ${d.deliveryId} accepted but not recorded`),
      ...(queued() > 0 ? [`queue not drained: ${queued()} messages`] : []),
      ...(dead > 0 ? [`${dead} dead letters`] : []),
      ...(server.child.exitCode !== null ? [`serve exited with ${server.child.exitCode}`] : []),
    ];
    const ok = report('gitferry serve', result, baseline, drainMs, violations);
    return (await apiLoad(url, api)) && ok;
  } finally {
    db.close();
    server.child.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** 1,000 apps (on a cluster that is not registered: their wake-ups end at once), 50 clients. */
async function apiLoad(
  url: string,
  api: (m: string, p: string, b?: string) => Promise<Response>,
): Promise<boolean> {
  const prefix = uniqueName('api');
  const names = Array.from({ length: apiApps }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);
  for (let i = 0; i < names.length; i += 20)
    await Promise.all(
      names.slice(i, i + 20).map(async (name) => {
        const body = `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: { name: ${name} }\nspec:\n  project: default\n  source: { repoURL: "https://git.invalid/x.git", targetRevision: main, path: app }\n  destination: { name: nowhere, namespace: default }\n`;
        const res = await api('POST', '/api/v1/apps', body);
        if (res.status !== 201) throw new Error(`creating ${name}: ${res.status} ${await res.text()}`);
      }),
    );
  const failures: string[] = [];
  const time = async (f: () => Promise<Response>) => {
    const t = performance.now();
    try {
      const res = await f();
      await res.arrayBuffer();
      return { ms: performance.now() - t, status: res.status };
    } catch (err) {
      // A reset or refused connection is an error of the run, counted, not the end of the bench.
      failures.push(String((err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message));
      return { ms: performance.now() - t, status: 0 };
    }
  };
  const baseline: number[] = [];
  for (let i = 0; i < 50; i++) baseline.push((await time(() => fetch(`${url}/healthz`))).ms);
  const samples: { ms: number; status: number; kind: string }[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let k = 0; k < perClient; k++) {
        if (k % 2 === 0) {
          const pageStart = ((c * 7 + k) % 10) * 100;
          const cursor = Buffer.from(String(pageStart)).toString('base64url');
          samples.push({
            ...(await time(() =>
              api('GET', `/api/v1/apps?limit=100${pageStart ? `&cursor=${cursor}` : ''}`),
            )),
            kind: 'list',
          });
        } else {
          const name = names[(c * 131 + k * 17) % names.length]!;
          samples.push({ ...(await time(() => api('GET', `/api/v1/apps/${name}`))), kind: 'get' });
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const pct = (xs: number[], p: number) =>
    [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
  const of = (kind: string) => samples.filter((s) => s.kind === kind).map((s) => s.ms);
  const errors = samples.filter((s) => s.status !== 200).length;
  console.log(
    `API (load: ${loadavg()}), ${apiApps} apps, ${clients} concurrent clients, ${samples.length} requests in ${elapsed.toFixed(1)} s (${(samples.length / elapsed).toFixed(0)}/s): ` +
      `list (100 per page) p50 ${ms(pct(of('list'), 50))} p99 ${ms(pct(of('list'), 99))}; ` +
      `read one p50 ${ms(pct(of('get'), 50))} p99 ${ms(pct(of('get'), 99))}; ${errors} errors${failures.length ? ` (${[...new Set(failures)].join(', ')})` : ''}; ` +
      `baseline /healthz alone p50 ${ms(pct(baseline, 50))} → read-one p99 is ${(pct(of('get'), 99) / pct(baseline, 50)).toFixed(0)}× it`,
  );
  return errors === 0;
}

let ok = false;
// BENCH_ONLY=lambda | serve (serve includes the API load) | api (the API load on a fresh serve).
const only = process.env.BENCH_ONLY;
try {
  const lambda = only === undefined || only === 'lambda' ? await lambdaPath() : true;
  const serve = only === undefined || only === 'serve' || only === 'api' ? await servePath() : true;
  ok = lambda && serve;
} finally {
  for (const ns of namespaces) await kubectl(['delete', 'namespace', ns, '--wait=false']).catch(() => {});
  if (owned) await stopTestbed(bed);
}
process.exit(ok ? 0 : 1);
