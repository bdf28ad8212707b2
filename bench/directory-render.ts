// Benchmark: rendering a 2,000-object Directory source (200 files × 10 documents) with
// renderDirectory, against a baseline of plain js-yaml loadAll over the same files read with fs
// (no walk, no symlink checks, no limits, no line numbers). Prints the median of 5 runs of each,
// after one warm-up run, and their ratio.
// Usage: node --import tsx bench/directory-render.ts  (BENCH_FILES, BENCH_DOCS to resize)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { renderDirectory } from '../shared/source/directory.js';

const files = Number(process.env.BENCH_FILES ?? 200);
const docsPerFile = Number(process.env.BENCH_DOCS ?? 10);
const runs = 5;

/** A Deployment of realistic size (about 45 lines), as found in app repositories. */
function deployment(name: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels:
    app.kubernetes.io/name: ${name}
    app.kubernetes.io/part-of: bench
  annotations:
    argocd.argoproj.io/sync-wave: "1"
spec:
  replicas: 3
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      app.kubernetes.io/name: ${name}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: ${name}
    spec:
      containers:
        - name: app
          image: registry.example.com/team/${name}:1.4.2
          args: ["--port=8080", "--log-level=info"]
          ports:
            - containerPort: 8080
              name: http
          env:
            - name: FEATURE_FLAGS
              value: "a,b,c"
            - name: TIMEOUT
              value: "30s"
          resources:
            requests: { cpu: 100m, memory: 128Mi }
            limits: { cpu: 500m, memory: 256Mi }
          readinessProbe:
            httpGet: { path: /healthz, port: http }
            periodSeconds: 10
      volumes:
        - name: config
          configMap:
            name: ${name}
            defaultMode: 0444
`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function baseline(dir: string): Promise<number> {
  let objects = 0;
  for (const name of (await readdir(dir)).sort()) {
    objects += loadAll(await readFile(join(dir, name), 'utf8')).filter(Boolean).length;
  }
  return objects;
}

const dir = mkdtempSync(join(tmpdir(), 'gitferry-bench-directory-'));
try {
  for (let f = 0; f < files; f++) {
    const docs = Array.from({ length: docsPerFile }, (_, d) => deployment(`app-${f}-${d}`));
    writeFileSync(join(dir, `app-${String(f).padStart(4, '0')}.yaml`), docs.join('---\n'));
  }
  const expected = files * docsPerFile;
  const rendered = await renderDirectory(dir);
  const parsed = await baseline(dir);
  if (rendered.objects.length !== expected || parsed !== expected)
    throw new Error(`expected ${expected} objects, got ${rendered.objects.length} and ${parsed}`);

  const ours: number[] = [];
  const plain: number[] = [];
  for (let i = 0; i < runs; i++) {
    ours.push(await timed(() => renderDirectory(dir)));
    plain.push(await timed(() => baseline(dir)));
  }
  const a = median(ours);
  const b = median(plain);
  console.log(
    `Directory render of ${expected} objects (${files} files × ${docsPerFile} documents), median of ${runs}:`,
  );
  console.log(`  renderDirectory                   ${a.toFixed(1)} ms`);
  console.log(`  baseline: fs + js-yaml loadAll    ${b.toFixed(1)} ms`);
  console.log(`  ratio renderDirectory / baseline  ${(a / b).toFixed(2)}x`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
