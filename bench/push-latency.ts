// Push-to-applied latency through the Lambda handlers, in-process, against the test bed: a signed
// GitHub push enters the webhook handler, wake-ups go through moto's SQS to the worker handler,
// which applies a 50-object app to the real apiserver and records Synced in moto's DynamoDB.
// Usage: node --import tsx bench/push-latency.ts   (starts the test bed unless GITFERRY_TESTBED_STATE is set)
import { readFileSync } from 'node:fs';
import {
  startTestbed,
  stateEnvVar,
  stateFile,
  stopTestbed,
  readState,
  type TestbedState,
} from '../test/testbed/testbed.js';

const pushes = Number(process.env.BENCH_PUSHES ?? 20);
const objects = 50;
const owned = !process.env[stateEnvVar];
const bed: TestbedState = owned ? await startTestbed() : readState(process.env[stateEnvVar]!);
process.env[stateEnvVar] = stateFile(bed);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.GITFERRY_LOG_LEVEL = 'ERROR';

const { startControlPlane, githubPush } = await import('../test/support/control-plane.js');
const { TestRepo } = await import('../test/support/git.js');
const { kubectl, uniqueName } = await import('../test/support/testbed.js');

function manifests(version: number): Record<string, string> {
  const docs = Array.from({ length: objects }, (_, i) =>
    i % 5 === 0
      ? `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: svc-${i} }\nspec:\n  replicas: 1\n  selector: { matchLabels: { app: svc-${i} } }\n  template:\n    metadata: { labels: { app: svc-${i} } }\n    spec: { containers: [{ name: c, image: "registry.invalid/svc:1" }] }\n`
      : `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: cfg-${i} }\ndata: { value: "${i === 1 ? version : 'fixed'}" }\n`,
  );
  return { 'app/all.yaml': docs.join('---\n') };
}

const cp = await startControlPlane();
const repo = await TestRepo.create('latency');
const app = uniqueName('latency');
const ns = uniqueName('bench-latency');
try {
  await cp.store.putApp({
    name: app,
    project: 'default',
    sources: [{ repoURL: repo.url, path: 'app', targetRevision: 'main' }],
    destination: { name: cp.clusterName, namespace: ns },
    syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
    ignoreDifferences: [],
    revisionHistoryLimit: 10,
    annotations: {},
  });
  const latencies: number[] = [];
  for (let i = 0; i <= pushes; i++) {
    const sha = await repo.commit(manifests(i), `push ${i}`);
    const started = performance.now();
    const res = await cp.webhook(githubPush({ repoUrl: repo.url, sha, secret: cp.webhookSecret }));
    if (res.statusCode !== 202) throw new Error(`webhook answered ${res.statusCode}: ${res.body}`);
    await cp.drain({
      until: async () => {
        const s = await cp.store.getStatus(app);
        return s?.sync.revision === sha && s.operation?.phase === 'Succeeded';
      },
      timeoutMs: 60_000,
    });
    const ms = performance.now() - started;
    if (i > 0)
      latencies.push(ms); // push 0 creates everything: a cold start, reported apart
    else console.log(`first push (creates ${objects} objects, cold caches): ${ms.toFixed(0)} ms`);
  }
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]!;
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  console.log(
    `push-to-applied latency, ${objects}-object app, ${latencies.length} pushes: p50 ${pct(50).toFixed(0)} ms, p99 ${pct(99).toFixed(0)} ms (min ${latencies[0]!.toFixed(0)}, max ${latencies[latencies.length - 1]!.toFixed(0)})`,
  );
  console.log(`aim: p50 ≤ 1500 ms → ${(pct(50) / 1500).toFixed(2)}× of the aim`);
  console.log(
    `peak RSS of the process running webhook + worker handlers (and this driver): ${(Number(hwm) / 1024).toFixed(0)} MB`,
  );
} finally {
  cp.dispose();
  repo.dispose();
  await kubectl(['delete', 'namespace', ns, '--wait=false']).catch(() => {});
  if (owned) await stopTestbed(bed);
}
