// Bundle size (gzip) and module-init time of each function bundle (scripts/build-functions.mjs,
// what `cdk deploy` ships): median of 15 fresh processes, against a bare `node -e 0` measured in
// the same run, judged against issue 17's goals (init including the AWS SDK over a bare node:
// webhook ≤ 50 ms, worker ≤ 100 ms).
// - "init KB" is what a cold start loads (index.mjs and the chunks it imports statically); "lazy KB"
//   the chunks loaded only when first needed (git, chart fetchers, the Lua VM, EKS and STS).
// - "own init" is the bundle's own code alone: the same handler built with the SDK left out,
//   loaded into a process that has loaded the SDK clients already.
// Usage: node --import tsx bench/function-bundles.ts   (builds the bundles first)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

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
  GITFERRY_TABLE: 'bench',
  GITFERRY_QUEUE_URL: 'http://127.0.0.1:1/q',
  AWS_REGION: 'us-east-1',
};

function wallMs(args: string[]): number {
  const t = process.hrtime.bigint();
  execFileSync(process.execPath, args, { env, stdio: 'ignore' });
  return Number(process.hrtime.bigint() - t) / 1e6;
}

const importOf = (file: string) => `import(${JSON.stringify(pathToFileURL(file).href)})`;

/** Milliseconds importing `file` takes inside a fresh process, after `before` has been awaited. */
function importMs(file: string, before = 'Promise.resolve()'): number {
  return Number(
    execFileSync(
      process.execPath,
      [
        '-e',
        `${before}.then(()=>{const t=process.hrtime.bigint();return ${importOf(file)}.then(()=>process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6)))})`,
      ],
      { env },
    ).toString(),
  );
}

/** Bytes of what a cold start loads (index.mjs and its static imports) and of the lazy chunks. */
function initAndLazyBytes(dir: string): { init: Buffer; lazy: Buffer } {
  const staticImports = (f: string) =>
    [
      ...readFileSync(join(dir, f), 'utf8').matchAll(
        /(?:^|[;}])import(?:[^"'()]*?from)?"\.\/(chunk-[\w-]+\.mjs)"/g,
      ),
    ].map((m) => m[1]!);
  const atInit = new Set<string>();
  const visit = (f: string) => {
    if (atInit.has(f)) return;
    atInit.add(f);
    staticImports(f).forEach(visit);
  };
  visit('index.mjs');
  const code = readdirSync(dir).filter((f) => f.endsWith('.mjs'));
  const bytes = (files: string[]) => Buffer.concat(files.map((f) => readFileSync(join(dir, f))));
  return { init: bytes([...atInit]), lazy: bytes(code.filter((f) => !atInit.has(f))) };
}

const loadAtStart = load();
execFileSync(process.execPath, [join(root, 'scripts/build-functions.mjs')], { stdio: 'ignore' });
// Inside the checkout, so that the SDK the own-code builds leave out is found in node_modules.
mkdirSync(join(root, 'node_modules', '.cache'), { recursive: true });
const ownDir = mkdtempSync(join(root, 'node_modules', '.cache', 'gitferry-bench-own-'));
const names = ['webhook', 'worker', 'drift', 'api'];
try {
  // The same build with the SDK left out (imported from node_modules instead).
  for (const fn of names)
    execFileSync(
      process.execPath,
      [
        join(root, 'scripts/build-functions.mjs'),
        '--only',
        fn,
        '--outdir',
        join(ownDir, fn),
        '--without-sdk',
      ],
      { stdio: 'ignore' },
    );
  const sdk = [
    '@aws-sdk/client-dynamodb',
    '@aws-sdk/client-sqs',
    '@aws-sdk/client-secrets-manager',
    '@aws-sdk/util-dynamodb',
  ]
    .map((m) => `import(${JSON.stringify(m)})`)
    .join(',');
  const sdkLoaded = `Promise.all([${sdk}])`;
  const bare = median(Array.from({ length: runs }, () => wallMs(['-e', '0'])));
  console.log(`bare node -e 0: ${bare.toFixed(0)} ms (median of ${runs}; load average ${loadAtStart})`);
  console.log(
    'function  init KB  lazy KB  init gzip KB  aim KB  init ms (in process)  own init ms  process ms  over bare ms  goal (over bare)',
  );
  for (const fn of names) {
    const file = join(root, 'dist/functions', fn, 'index.mjs');
    const { init, lazy } = initAndLazyBytes(join(root, 'dist/functions', fn));
    const gzKb = gzipSync(init).length / 1024;
    const inProcess = median(Array.from({ length: runs }, () => importMs(file)));
    const own = median(
      Array.from({ length: runs }, () => importMs(join(ownDir, fn, 'index.mjs'), sdkLoaded)),
    );
    const wall = median(Array.from({ length: runs }, () => wallMs(['-e', importOf(file)])));
    const goal = goals[fn];
    const over = wall - bare;
    console.log(
      `${fn.padEnd(8)}  ${(init.length / 1024).toFixed(0).padStart(7)}  ${(lazy.length / 1024).toFixed(0).padStart(7)}  ${gzKb.toFixed(0).padStart(12)}  ${String(goal?.kb ?? '-').padStart(6)}  ${inProcess.toFixed(0).padStart(20)}  ${own.toFixed(0).padStart(11)}  ${wall.toFixed(0).padStart(10)}  ${over.toFixed(0).padStart(12)}  ${goal ? `≤ ${goal.overBareMs} ms: ${over <= goal.overBareMs ? 'met' : 'missed'}` : '-'}`,
    );
  }
  console.log(
    `load average at the end: ${load()} (figures on a busy machine are slower, ratios hold better)`,
  );
} finally {
  rmSync(ownDir, { recursive: true, force: true });
}
