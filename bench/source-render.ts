// Source benchmarks on the test bed's git server: render of a 200-object Helm chart (cold, i.e.
// first fetch + render, and cached), and a depth-1 fetch of a repository with 50 MB of files,
// against `git clone --depth 1` of the same commit as the baseline.
// Usage: node --import tsx bench/source-render.ts   (starts the test bed unless GITFERRY_TESTBED_STATE is set)
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startTestbed,
  stateEnvVar,
  stateFile,
  stopTestbed,
  readState,
  type TestbedState,
} from '../test/testbed/testbed.js';

const owned = !process.env[stateEnvVar];
const bed: TestbedState = owned ? await startTestbed() : readState(process.env[stateEnvVar]!);
process.env[stateEnvVar] = stateFile(bed);
const { TestRepo } = await import('../test/support/git.js');
const { sourceKit } = await import('../test/support/source.js');

const timed = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
  const t = performance.now();
  const v = await fn();
  return [v, performance.now() - t];
};

const chart = await TestRepo.create('bench-chart');
const big = await TestRepo.create('bench-big');
try {
  // A chart whose one template loops to 200 objects.
  const sha = await chart.commit({
    'chart/Chart.yaml': 'apiVersion: v2\nname: many\nversion: 1.0.0\n',
    'chart/values.yaml': 'count: 200\n',
    'chart/templates/many.yaml':
      '{{- range $i := until (int .Values.count) }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{{ $i }}\ndata:\n  index: "{{ $i }}"\n{{- end }}\n',
  });
  const kit = sourceKit();
  const req = {
    appName: 'many',
    namespace: 'bench',
    sources: [{ repoURL: chart.url, path: 'chart' }],
    revisions: [sha],
  };
  const [cold, coldMs] = await timed(() => kit.renderer.render(req));
  const [, cachedMs] = await timed(() => kit.renderer.render(req));
  const kit2 = sourceKit();
  await kit2.checkouts.withCheckout(chart.url, sha, async () => undefined, {
    guard: { allowedHosts: ['127.0.0.1/32'] },
  });
  const [, warmCheckoutMs] = await timed(() => kit2.renderer.render(req));
  const helmOnly = execFileSync('bash', [
    '-c',
    `t=$(date +%s%N); ${bed.bin.helm} template many ${join(chart.path, 'chart')} >/dev/null; echo $(( ($(date +%s%N)-t)/1000000 ))`,
  ])
    .toString()
    .trim();
  console.log(
    `Helm chart, ${cold.objects.length} objects: cold (fetch + render) ${coldMs.toFixed(0)} ms; checkout cached, render ${warmCheckoutMs.toFixed(0)} ms; render cached ${cachedMs.toFixed(2)} ms; bare \`helm template\` ${helmOnly} ms`,
  );

  // 50 MB of incompressible files in 50 files.
  const files: Record<string, string> = {};
  for (let i = 0; i < 50; i++) files[`blobs/blob-${i}.txt`] = randomBytes(768 * 1024).toString('base64');
  files['app/cm.yaml'] = 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: big }\n';
  const bigSha = await big.commit(files, 'fifty megabytes');
  const kit3 = sourceKit();
  const [, fetchMs] = await timed(() =>
    kit3.checkouts.withCheckout(big.url, bigSha, async () => undefined, {
      guard: { allowedHosts: ['127.0.0.1/32'] },
    }),
  );
  const dir = mkdtempSync(join(tmpdir(), 'gitferry-bench-clone-'));
  const t = performance.now();
  execFileSync('git', ['clone', '--quiet', '--depth', '1', '--no-checkout', big.url, dir]);
  execFileSync('git', ['-C', dir, 'checkout', '--quiet', bigSha]);
  const gitMs = performance.now() - t;
  rmSync(dir, { recursive: true, force: true });
  console.log(
    `50 MB repository, depth-1 fetch + checkout: gitferry (isomorphic-git) ${fetchMs.toFixed(0)} ms; git clone --depth 1 ${gitMs.toFixed(0)} ms (${(fetchMs / gitMs).toFixed(1)}×)`,
  );
  for (const k of [kit, kit2, kit3]) k.dispose();
} finally {
  chart.dispose();
  big.dispose();
  if (owned) await stopTestbed(bed);
}
