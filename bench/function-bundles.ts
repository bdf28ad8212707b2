// Bundle size (gzip) and module-init time of each function bundle: median of 15 fresh processes,
// against a bare `node -e 0` measured in the same run, judged against issue 17's goals (init
// including the AWS SDK over a bare node: webhook ≤ 50 ms, worker ≤ 100 ms).
// "own init" is the bundle's own code alone: the same handler built with the SDK left out, loaded
// into a process that has required the SDK clients already.
// Usage: node --import tsx bench/function-bundles.ts   (builds the bundles first)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = 15;
const goals: Record<string, { kb: number; overBareMs: number }> = {
  webhook: { kb: 150, overBareMs: 50 },
  worker: { kb: 500, overBareMs: 100 },
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const env = {
  ...process.env,
  // Only for the own-code builds, which leave the SDK out; the shipped bundles carry theirs.
  NODE_PATH: join(root, 'node_modules'),
  GITFERRY_TABLE: 'bench',
  GITFERRY_QUEUE_URL: 'http://127.0.0.1:1/q',
  AWS_REGION: 'us-east-1',
};

function wallMs(args: string[]): number {
  const t = process.hrtime.bigint();
  execFileSync(process.execPath, args, { env, stdio: 'ignore' });
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/** Milliseconds `require(file)` takes inside a fresh process, after `before` has run. */
function requireMs(file: string, before = ''): number {
  return Number(
    execFileSync(
      process.execPath,
      [
        '-e',
        `${before}const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`,
      ],
      { env },
    ).toString(),
  );
}

const loadAtStart = load();
execFileSync(process.execPath, [join(root, 'scripts/build-functions.mjs')], { stdio: 'ignore' });
const ownDir = mkdtempSync(join(tmpdir(), 'gitferry-bench-own-'));
const names = ['webhook', 'worker', 'drift', 'api'];
try {
  await Promise.all(
    names.map((fn) =>
      build({
        entryPoints: [join(root, 'functions', fn, 'handler.ts')],
        outfile: join(ownDir, fn, 'index.cjs'),
        bundle: true,
        platform: 'node',
        target: 'node22',
        format: 'cjs',
        minify: true,
        external: ['@aws-sdk/*'],
        logLevel: 'warning',
      }),
    ),
  );
  const sdk = [
    '@aws-sdk/client-dynamodb',
    '@aws-sdk/client-sqs',
    '@aws-sdk/client-secrets-manager',
    '@aws-sdk/util-dynamodb',
  ]
    .map((m) => `require(${JSON.stringify(m)});`)
    .join('');
  const bare = median(Array.from({ length: runs }, () => wallMs(['-e', '0'])));
  console.log(`bare node -e 0: ${bare.toFixed(0)} ms (median of ${runs}; load average ${loadAtStart})`);
  console.log(
    'function  gzip KB  aim KB  init ms (in process)  own init ms  process ms  over bare ms  goal (over bare)',
  );
  for (const fn of names) {
    const file = join(root, 'dist/functions', fn, 'index.cjs');
    const gzKb = gzipSync(readFileSync(file)).length / 1024;
    const inProcess = median(Array.from({ length: runs }, () => requireMs(file)));
    const own = median(Array.from({ length: runs }, () => requireMs(join(ownDir, fn, 'index.cjs'), sdk)));
    const wall = median(
      Array.from({ length: runs }, () => wallMs(['-e', `require(${JSON.stringify(file)})`])),
    );
    const goal = goals[fn];
    const over = wall - bare;
    console.log(
      `${fn.padEnd(8)}  ${gzKb.toFixed(0).padStart(7)}  ${String(goal?.kb ?? '-').padStart(6)}  ${inProcess.toFixed(0).padStart(20)}  ${own.toFixed(0).padStart(11)}  ${wall.toFixed(0).padStart(10)}  ${over.toFixed(0).padStart(12)}  ${goal ? `≤ ${goal.overBareMs} ms: ${over <= goal.overBareMs ? 'met' : 'missed'}` : '-'}`,
    );
  }
  console.log(
    `load average at the end: ${load()} (figures on a busy machine are slower, ratios hold better)`,
  );
} finally {
  rmSync(ownDir, { recursive: true, force: true });
}
