// Local mode figures: push-to-synced latency for a 50-object app through `gitferry serve`'s webhook
// endpoint (p50/p99 over 20 pushes), `gitferry` CLI start-up time, and `serve`'s idle memory.
// Usage: node --import tsx bench/local-latency.ts   (starts the test bed unless GITFERRY_TESTBED_STATE is set)
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  startTestbed,
  stateEnvVar,
  stateFile,
  stopTestbed,
  readState,
  type TestbedState,
} from '../test/testbed/testbed.js';
import { freePort } from '../test/testbed/free-port.js';

const pushes = Number(process.env.BENCH_PUSHES ?? 20);
const root = fileURLToPath(new URL('..', import.meta.url));
const owned = !process.env[stateEnvVar];
const bed: TestbedState = owned ? await startTestbed() : readState(process.env[stateEnvVar]!);
process.env[stateEnvVar] = stateFile(bed);
const { TestRepo } = await import('../test/support/git.js');
const { kubectl, uniqueName } = await import('../test/support/testbed.js');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;

// CLI start-up: `gitferry --help`, median of 7 fresh processes, against a bare `node -e 0`.
const time = (cmd: string, args: string[]) => {
  const t = performance.now();
  execFileSync(cmd, args, { stdio: 'ignore' });
  return performance.now() - t;
};
const cli = median(Array.from({ length: 7 }, () => time(join(root, 'bin/gitferry'), ['--help'])));
const bare = median(Array.from({ length: 7 }, () => time(process.execPath, ['-e', '0'])));
console.log(
  `CLI start-up (gitferry --help): ${cli.toFixed(0)} ms median; bare node -e 0: ${bare.toFixed(0)} ms (${(cli / bare).toFixed(1)}×)`,
);

const dataDir = mkdtempSync(join(tmpdir(), 'gitferry-bench-serve-'));
const port = await freePort();
const secret = 'bench-webhook-secret';
const { startServe } = await import('../test/support/serve.js');
const server = await startServe({
  port,
  dataDir,
  cluster: true,
  env: { GITFERRY_SECRET_WEBHOOKS_GITHUB: secret },
});
const { url } = server;
const serve = server.child;
const repo = await TestRepo.create('bench-local');
const ns = uniqueName('bench-local');
try {
  await new Promise((r) => setTimeout(r, 10_000));
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${serve.pid}/status`, 'utf8'))?.[1];
  console.log(`serve idle memory (RSS after 10 s idle, no apps): ${(Number(rss) / 1024).toFixed(0)} MB`);

  const token = readFileSync(join(dataDir, 'api-token'), 'utf8').trim();
  const api = async (method: string, path: string, body?: string, type = 'application/json') =>
    (
      await fetch(`${url}${path}`, {
        method,
        body,
        headers: { authorization: `Bearer ${token}`, 'content-type': type },
      })
    ).json() as Promise<Record<string, unknown>>;
  const manifests = (version: number) => ({
    'app/all.yaml': Array.from(
      { length: 50 },
      (_, i) =>
        `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: cfg-${i} }\ndata: { value: "${i === 0 ? version : 'fixed'}" }\n`,
    ).join('---\n'),
  });
  await repo.commit(manifests(0));
  await api(
    'POST',
    '/api/v1/apps',
    `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: { name: bench }\nspec:\n  project: default\n  source: { repoURL: ${repo.url}, targetRevision: main, path: app }\n  destination: { name: testbed, namespace: ${ns} }\n  syncPolicy: { automated: { prune: true }, syncOptions: [CreateNamespace=true] }\n`,
    'application/yaml',
  );
  const synced = async (sha?: string) => {
    for (;;) {
      const s = (await api('GET', '/api/v1/apps/bench')).status as
        { sync?: { status: string; revision?: string }; operation?: { phase: string } } | undefined;
      if (
        s?.sync?.status === 'Synced' &&
        s.operation?.phase === 'Succeeded' &&
        (!sha || s.sync.revision === sha)
      )
        return;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await synced();
  const latencies: number[] = [];
  for (let i = 1; i <= pushes; i++) {
    const sha = await repo.commit(manifests(i), `push ${i}`);
    const body = JSON.stringify({
      ref: 'refs/heads/main',
      before: '0'.repeat(40),
      after: sha,
      created: false,
      deleted: false,
      forced: false,
      repository: { clone_url: repo.url },
      commits: [],
      head_commit: { id: sha },
    });
    const t = performance.now();
    await fetch(`${url}/api/webhook`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': `bench-${i}-${sha}`,
        'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
      },
    });
    await synced(sha);
    latencies.push(performance.now() - t);
  }
  console.log(
    `local push-to-synced latency, 50-object app, ${pushes} pushes: p50 ${pct(latencies, 50).toFixed(0)} ms, p99 ${pct(latencies, 99).toFixed(0)} ms`,
  );
} finally {
  serve.kill('SIGTERM');
  repo.dispose();
  await kubectl(['delete', 'namespace', ns, '--wait=false']).catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
  if (owned) await stopTestbed(bed);
}
