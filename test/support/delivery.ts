// Helpers for the safer-delivery tests on the test bed: Deployments that become ready or never do
// (kwok's never-ready marker), a health-recheck driver with a deadline, and the status and history
// printed as `gitferry app get` and `gitferry app history -o wide` print them.
import type { App } from '../../shared/domain/app.js';
import type { SyncJob } from '../../shared/domain/sync-job.js';
import type { Clock } from '../../shared/ports/clock.js';
import type { LocalControl } from './local-control.js';

/** A Deployment of one Pod; `ready: false` carries the never-ready marker (Degraded after 2 s). */
export function deployment(name: string, version: string, ready = true): string {
  const marker = ready ? '' : '\n      annotations: { gitferry.dev/testbed-never-ready: "true" }';
  return `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name} }
spec:
  replicas: 1
  progressDeadlineSeconds: 2
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata:
      labels: { app: ${name}, version: "${version}" }${marker}
    spec:
      containers: [{ name: app, image: registry.invalid/${name}:${version} }]
`;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends health rechecks (as the queue would) until `done` holds for the app's status, or fails
 * after the deadline. The cluster (kwok, kube-controller-manager) moves on its own time.
 */
export async function recheckUntil(
  lc: LocalControl,
  app: string,
  done: (health: string) => boolean,
  deadlineMs = 90_000,
): Promise<string> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    await lc.handler().handle({ app, reason: 'health', requestedAt: Date.now() });
    const health = (await lc.store.getStatus(app))?.health.status ?? 'Unknown';
    if (done(health)) return health;
    if (Date.now() > end) throw new Error(`${app}: health still ${health} after ${deadlineMs} ms`);
    await pause(500);
  }
}

/** The app as `gitferry app get` and `gitferry app history -o wide` show it. */
export async function describeApp(lc: LocalControl, name: string): Promise<string> {
  const [app, s, runs] = await Promise.all([
    lc.store.getApp(name),
    lc.store.getStatus(name),
    lc.store.listRuns(name, 10, { includeSuperseded: false }),
  ]);
  const lines = [
    `$ gitferry app get ${name}`,
    `Name:       ${name}`,
    `Sync:       ${s?.sync.status ?? 'Unknown'}${s?.sync.revision ? ` to ${s.sync.revision}` : ''}`,
    `Health:     ${s?.health.status ?? 'Unknown'}${s?.health.message ? ` (${s.health.message})` : ''}`,
  ];
  if (s?.operation) lines.push(`Operation:  ${s.operation.phase}: ${s.operation.message ?? ''}`);
  if (app?.pinnedRevision) lines.push(`Pinned:     ${app.pinnedRevision}`);
  if (s?.healthy) lines.push(`Healthy:    at ${s.healthy.revision} since ${s.healthy.since}`);
  const r = s?.autoRollback;
  if (r) lines.push(`Rollback:   ${r.at} from ${r.from} ${r.to ? `to ${r.to}` : '(none)'}: ${r.reason}`);
  for (const c of s?.conditions ?? []) lines.push(`Condition:  ${c.type}: ${c.message}`);
  lines.push(`$ gitferry app history ${name} -o wide`);
  lines.push('ID  PHASE      REASON    REVISION  MESSAGE');
  for (const run of [...runs].reverse())
    lines.push(
      `${String(run.id).padEnd(3)} ${run.phase.padEnd(10)} ${run.reason.padEnd(9)} ${run.revision.slice(0, 8)}  ${(run.message ?? '').slice(0, 140)}`,
    );
  return lines.join('\n');
}

export function appOf(
  lc: LocalControl,
  repoURL: string,
  ns: string,
  name: string,
  path: string,
  annotations: Record<string, string> = {},
): App {
  return {
    name,
    project: 'default',
    sources: [{ repoURL, path, targetRevision: 'main' }],
    destination: { name: lc.clusterName, namespace: ns },
    syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
    ignoreDifferences: [],
    revisionHistoryLimit: 10,
    annotations,
  };
}

/**
 * Delivers the wake-ups sent since `from`, in order, as the queue would (delays ignored unless
 * `clock` moves the worker's time), until none is left or `max`; returns what each did.
 */
export async function drain(
  lc: LocalControl,
  from: number,
  opts: { max?: number; skip?: (job: SyncJob) => boolean; clock?: Clock } = {},
): Promise<string[]> {
  const done: string[] = [];
  for (let i = from; i < lc.sent.length && done.length < (opts.max ?? 50); i++) {
    const { job } = lc.sent[i]!;
    if (opts.skip?.(job)) continue;
    done.push(`${job.app}:${job.reason}→${await lc.handler({}, opts.clock).handle(job)}`);
  }
  return done;
}
