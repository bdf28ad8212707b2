// The AWS bill of drift checking per month, from the sizes the CDK construct configures (memory,
// schedule, batch size) and from what one drift pass does (shared/control/drift-check.ts: one
// Query for the app list, one Query of the drift views per cluster, one LIST per kind and
// namespace, one ls-remote per repository and branch; no render, no write, no wake-up when nothing
// changed). DynamoDB bills a Query by the bytes it reads (4 KB per read unit, half a unit when
// eventually consistent, as index reads are), so the read units per app come from the size of the
// items the store writes for a typical app (viewReadUnits below, encoded with the store's own code),
// not from a count of requests. Before drift views, a pass read each app's status and inventory
// with two strongly consistent reads (2 units per app); both are printed. Set next to the model of before (one wake-up per app per tick, each a full refresh on
// the 2 GB worker) and an always-on Argo CD. A model, not a measurement of a bill: every input is
// printed, with where it comes from.
//
// Measured figures: `npm run bench:apps` ends with one drift pass over its apps, measured, and
// writes it to $TMPDIR/gitferry-drift-pass.json (or --pass-file): when that file exists, a pass's
// seconds are the measured seconds per app (SQLite, loopback apiserver: a lower bound for DynamoDB
// round trips) instead of the latencies assumed below, and the table says which was used.
// Usage: node --import tsx bench/drift-cost.ts [--apps 100,1000,10000] [--changed 0.01] [--pass-file f]
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { GitferryStack } from '../infra/gitferry-stack.js';
import { encodeDocument } from '../shared/adapters/aws/dynamodb-chunks.js';
import { appPk, driftViewItem, itemBytes } from '../shared/adapters/aws/dynamodb-keys.js';
import { defaultDynamoDbStateStoreOptions } from '../shared/adapters/aws/dynamodb-state-store.js';
import type { App as AppDefinition } from '../shared/domain/app.js';
import { driftStatusOf } from '../shared/domain/drift-view.js';
import type { InventoryEntry } from '../shared/domain/kube-object.js';
import type { DriftPass } from './drift-pass-child.js';

/** The sizes `cdk deploy` configures, read from the synthesized template (bundling skipped). */
function configuredSizes() {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  // Sizes do not depend on the tools layer: synthesize without one (plain YAML) so no build is needed.
  const stack = new GitferryStack(app, 'Gitferry', {
    env: { account: '123456789012', region: 'us-east-1' },
    deployer: { plainYamlOnly: true },
  });
  const template = Template.fromStack(stack);
  const fns = Object.entries(template.findResources('AWS::Lambda::Function'));
  const memoryOf = (id: string) => {
    const fn = fns.find(([logicalId]) => logicalId.includes(id));
    if (!fn) throw new Error(`no ${id} function in the template`);
    return Number(fn[1].Properties.MemorySize);
  };
  const rules = Object.values(template.findResources('AWS::Events::Rule'));
  const schedule = String(rules.find((r) => r.Properties.ScheduleExpression)?.Properties.ScheduleExpression);
  const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'));
  return {
    memory: { drift: memoryOf('Drift'), worker: memoryOf('Worker') },
    driftSchedule: { expressionString: schedule },
    workerBatchSize: Number(mappings[0]?.Properties.BatchSize ?? 10),
  };
}
const infra = configuredSizes();

/** us-east-1 list prices (USD), arm64 Lambda, on-demand DynamoDB (after the November 2024 cut). */
const price = {
  lambdaGbSecond: 0.0000133334,
  lambdaRequest: 0.2 / 1e6,
  sqsRequest: 0.4 / 1e6,
  dynamoRead: 0.125 / 1e6, // per read request unit (4 KB, strongly consistent)
  dynamoWrite: 0.625 / 1e6, // per write request unit (1 KB); transactions count twice
  logsGb: 0.5,
};

/**
 * A typical app of `bench:apps` (4 objects: a Deployment, Service, ServiceAccount and ConfigMap)
 * as the store keeps it: its definition on the list index and the two halves of its drift view,
 * encoded with the store's own codec; their sizes in bytes.
 */
function typicalAppBytes(): { app: number; view: number } {
  const name = 'bench-app-0001';
  const cluster = 'prod-eu-west-1';
  const revision = 'f'.repeat(40);
  const app: AppDefinition = {
    name,
    project: 'default',
    sources: [
      { repoURL: 'https://github.com/acme/deploy.git', path: `apps/${name}`, targetRevision: 'main' },
    ],
    destination: { name: cluster, namespace: name },
    syncPolicy: { automated: { prune: true, selfHeal: true } },
    ignoreDifferences: [],
    revisionHistoryLimit: 10,
    annotations: {},
  };
  const fingerprint = `${'x'.repeat(22)}.${'y'.repeat(22)}`;
  const inventory: InventoryEntry[] = [
    { group: 'apps', version: 'v1', kind: 'Deployment', namespace: name, name: 'web', fingerprint },
    { group: '', version: 'v1', kind: 'Service', namespace: name, name: 'web', fingerprint },
    { group: '', version: 'v1', kind: 'ServiceAccount', namespace: name, name: 'web', fingerprint },
    { group: '', version: 'v1', kind: 'ConfigMap', namespace: name, name: 'web', fingerprint },
  ];
  const status = driftStatusOf({
    app: name,
    sync: { status: 'Synced', revision, renderKey: 'r'.repeat(43) },
    health: { status: 'Healthy' },
    operation: { phase: 'Succeeded', revision, startedAt: '2026-12-04T06:00:00.000Z' },
    resources: [],
  });
  const opts = defaultDynamoDbStateStoreOptions;
  const half = (which: 'status' | 'inventory', value: unknown) =>
    itemBytes(driftViewItem(name, which, cluster, encodeDocument(name, value, opts)));
  return {
    app: itemBytes({
      pk: appPk(name),
      sk: 'APP',
      gsi1pk: 'APPS',
      gsi1sk: name,
      ...encodeDocument(name, app, opts),
    }),
    view: half('status', status) + half('inventory', inventory),
  };
}
const typical = typicalAppBytes();
/** Read units of `bytes` read by an eventually consistent Query (the list index). */
const indexReadUnits = (bytes: number) => (bytes / 4096) * 0.5;

/** What one drift pass costs in time and reads, per drift-check.ts; latencies are assumptions. */
const pass = {
  /** Lambda start, app list, cluster connection and discovery. */
  baseSeconds: 0.5,
  /** Status and inventory reads per app: two DynamoDB round trips, ~6 ms each, 16 apps at once. */
  perAppSeconds: 0.012 / 16,
  /** One LIST per kind and namespace: ~40 ms each, 32 at once (the cluster client's concurrency), assuming 4 kinds and one namespace per 10 apps. */
  listSeconds: 0.04 / 32,
  kindsPerNamespace: 4,
  appsPerNamespace: 10,
  /** ls-remote per repository and branch, 16 at once; assuming one repository per 20 apps. */
  lsRemoteSeconds: 0.25 / 16,
  appsPerRepo: 20,
  /** Read units per app: its drift view's two items, in the Query of its cluster's views. */
  readUnitsPerApp: indexReadUnits(typical.view),
  /** Before drift views: its status and its inventory, one strongly consistent read each. */
  readUnitsPerAppBefore: 2,
  /** The app list: its definition, in one paginated Query of the list index. */
  listReadUnitsPerApp: indexReadUnits(typical.app),
  logBytes: 2_000,
};

/** One drift pass as bench/thousand-apps.ts measured it, if it did. */
interface MeasuredPass extends DriftPass {
  apps: number;
  load?: string;
  measuredAt?: string;
}

function measuredPass(file: string): MeasuredPass | undefined {
  if (!existsSync(file)) return undefined;
  const m = JSON.parse(readFileSync(file, 'utf8')) as MeasuredPass;
  return Number.isFinite(m.seconds) && m.apps > 0 ? m : undefined;
}

const passFileArg = process.argv.indexOf('--pass-file');
const measured = measuredPass(
  passFileArg > 0 ? process.argv[passFileArg + 1]! : join(tmpdir(), 'gitferry-drift-pass.json'),
);

/** Before: a wake-up per app per tick, each a full refresh (fetch, render, dry run) on the worker. */
const before = {
  /** Seconds of one refresh on the 2 GB worker (the estimate behind issue 20's ~$115/month). */
  refreshSeconds: 3,
  /** Send, plus receive and delete amortised over batches. */
  sqsRequestsPerWakeUp: 1 + 2 / infra.workerBatchSize,
  /**
   * Lease take and release, status commit (a transaction of ~3 items), request consumption, and
   * the drift view's two halves written with it (a transaction put each, 2 units per KB, and their
   * copies in the list index, 1 each).
   */
  writeUnitsPerWakeUp: 2 + 2 * 3 + 2 * (2 + 1),
  /**
   * App, cluster, project, status, request (twice), operation, inventory; at commit, the app again
   * (its destination, for the drift view) and where its view's inventory is filed.
   */
  readUnitsPerWakeUp: 10,
};

/** A worker wake-up of `seconds` on the worker (by default a refresh: the app the drift check found moved). */
const wakeUpCost = (seconds = before.refreshSeconds) =>
  ((seconds * infra.memory.worker) / 1024) * price.lambdaGbSecond +
  price.lambdaRequest / infra.workerBatchSize +
  before.sqsRequestsPerWakeUp * price.sqsRequest +
  before.writeUnitsPerWakeUp * price.dynamoWrite +
  before.readUnitsPerWakeUp * price.dynamoRead;

function ticksPerMonth(): { ticks: number; minutes: number } {
  const m = /^rate\((\d+) minutes?\)$/.exec(infra.driftSchedule.expressionString);
  if (!m) throw new Error(`drift schedule ${infra.driftSchedule.expressionString} is not a rate in minutes`);
  const minutes = Number(m[1]);
  return { ticks: (30 * 24 * 60) / minutes, minutes };
}

export function driftCostPerMonth(apps: number, changedFraction: number) {
  const { ticks } = ticksPerMonth();
  const namespaces = Math.ceil(apps / pass.appsPerNamespace);
  const lists = namespaces * pass.kindsPerNamespace;
  const repos = Math.ceil(apps / pass.appsPerRepo);
  // Measured: the pass's own seconds per app (its LISTs and ls-remotes included) over the start.
  const seconds = measured
    ? pass.baseSeconds + apps * (measured.seconds / measured.apps)
    : pass.baseSeconds + apps * pass.perAppSeconds + lists * pass.listSeconds + repos * pass.lsRemoteSeconds;
  const gbSeconds = (seconds * infra.memory.drift) / 1024;
  const lambda = ticks * (gbSeconds * price.lambdaGbSecond + price.lambdaRequest);
  const dynamo = ticks * apps * (pass.readUnitsPerApp + pass.listReadUnitsPerApp) * price.dynamoRead;
  const dynamoBeforeViews =
    ticks * apps * (pass.readUnitsPerAppBefore + pass.listReadUnitsPerApp) * price.dynamoRead;
  const logs = (ticks * pass.logBytes * price.logsGb) / 1e9;
  const woken = ticks * apps * changedFraction * wakeUpCost();
  const after = lambda + dynamo + logs + woken;
  const old = ticks * apps * wakeUpCost();
  return { apps, seconds, lists, lambda, dynamo, dynamoBeforeViews, logs, woken, after, before: old };
}

function main() {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const sizes = (arg('apps') ?? '100,1000,10000').split(',').map(Number);
  const changed = Number(arg('changed') ?? 0.01);
  const { minutes } = ticksPerMonth();
  const usd = (n: number) => `$${n < 10 ? n.toFixed(2) : n.toFixed(0)}`;
  console.log(
    `Drift cost per month (30 days), a pass every ${minutes} min (infra driftSchedule ${infra.driftSchedule.expressionString}),` +
      ` drift function ${infra.memory.drift} MB, worker ${infra.memory.worker} MB, worker batch ${infra.workerBatchSize}`,
  );
  console.log(`Prices: ${JSON.stringify(price)}`);
  console.log(`Pass model: ${JSON.stringify(pass)}`);
  console.log(
    `DynamoDB per app and pass: its drift view ${typical.view} bytes and its definition ${typical.app} bytes, read by index Queries (eventually consistent: half a unit per 4 KB) = ${(pass.readUnitsPerApp + pass.listReadUnitsPerApp).toFixed(3)} read units; before drift views ${(pass.readUnitsPerAppBefore + pass.listReadUnitsPerApp).toFixed(3)} (a status and an inventory read per app)`,
  );
  console.log(
    measured
      ? `Measured pass (used for pass seconds): ${measured.apps} unchanged apps in ${measured.seconds.toFixed(2)} s = ${((1000 * measured.seconds) / measured.apps).toFixed(2)} ms per app; ${measured.lists} LISTs, ${measured.gets} GETs, ${measured.lsRemotes} ls-remote, ${measured.woken} wake-ups, 0 renders or clones${measured.load ? ` (load ${measured.load}, ${measured.measuredAt})` : ''}`
      : 'Measured pass: none (run npm run bench:apps first); pass seconds are the assumed latencies above',
  );
  console.log(`Before model (a refresh per app per tick): ${JSON.stringify(before)}\n`);
  const goals: Record<number, number> = { 100: 5, 1000: 30 };
  const rows = sizes.flatMap((apps) => [driftCostPerMonth(apps, 0), driftCostPerMonth(apps, changed)]);
  console.log(
    '| apps | apps moved per pass | pass (s) | LISTs | drift fn | DynamoDB | DynamoDB before drift views | worker wake-ups | after /month | before /month | goal |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const [i, r] of rows.entries()) {
    const goal = goals[r.apps];
    const moved = i % 2 === 0 ? '0' : `${changed * 100}%`;
    console.log(
      `| ${r.apps} | ${moved} | ${r.seconds.toFixed(1)} | ${r.lists} | ${usd(r.lambda)} | ${usd(r.dynamo)} | ${usd(r.dynamoBeforeViews)} | ${usd(r.woken)} | **${usd(r.after)}** | ${usd(r.before)} | ${goal ? `≤ $${goal} ${r.after <= goal ? 'met' : 'MISSED'}` : ''} |`,
    );
  }
  // Syncs: a sync of a small app is one worker step (fetch, render, dry run, apply) plus, while a
  // Deployment rolls out, a health recheck or two (reads only, a fraction of a second).
  const syncSeconds = Number(arg('sync-seconds') ?? before.refreshSeconds);
  const recheckSeconds = 0.3;
  const rechecksPerSync = 1;
  const perThousand = 1000 * (wakeUpCost(syncSeconds) + rechecksPerSync * wakeUpCost(recheckSeconds));
  console.log(
    `\nSyncs: ${usd(perThousand)} per 1,000 syncs (a ${syncSeconds} s step on the ${infra.memory.worker} MB worker (--sync-seconds), plus ${rechecksPerSync} health recheck of ${recheckSeconds} s each; SQS, DynamoDB and requests included)`,
  );
  console.log(
    '\nAlways-on Argo CD for comparison (its docs: 3 replicas of repo-server/controller on ~2-4 vCPU): $36–72/month.',
  );
  console.log(
    'Not in the model: NAT or VPC endpoint charges if functions run in a VPC, EKS API calls (free), git host egress.',
  );
}

main();
