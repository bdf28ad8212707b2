// Bundle size (gzip) and module-init time of each function bundle: median of 15 fresh processes,
// against a bare `node -e 0`. The SDK comes from NODE_PATH, as the Lambda runtime provides it.
// Usage: npm run build && node --import tsx bench/function-bundles.ts
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = 15;
const aims: Record<string, { kb: number; ms: number }> = {
  webhook: { kb: 150, ms: 30 },
  worker: { kb: 500, ms: 100 },
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const env = {
  ...process.env,
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

execFileSync(process.execPath, [join(root, 'scripts/build-functions.mjs')], { stdio: 'ignore' });
const bare = median(Array.from({ length: runs }, () => wallMs(['-e', '0'])));
console.log(`bare node -e 0: ${bare.toFixed(0)} ms (median of ${runs})`);
// The Lambda runtime's SDK costs the same to load whatever the bundle; "own" preloads it, so the
// figure is the bundle's own module init.
const sdk = ['@aws-sdk/client-dynamodb', '@aws-sdk/client-sqs', '@aws-sdk/client-secrets-manager']
  .map((m) => `require(${JSON.stringify(m)});`)
  .join('');
console.log('function  gzip KB  aim KB  init ms (in process)  own init ms  process ms  vs bare  aim ms');
for (const fn of ['webhook', 'worker', 'drift', 'api']) {
  const file = join(root, 'dist/functions', fn, 'index.cjs');
  const gzKb = gzipSync(readFileSync(file)).length / 1024;
  const inProcess = median(
    Array.from({ length: runs }, () =>
      Number(
        execFileSync(
          process.execPath,
          [
            '-e',
            `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`,
          ],
          { env },
        ).toString(),
      ),
    ),
  );
  const own = median(
    Array.from({ length: runs }, () =>
      Number(
        execFileSync(
          process.execPath,
          [
            '-e',
            `${sdk}const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`,
          ],
          { env },
        ).toString(),
      ),
    ),
  );
  const wall = median(Array.from({ length: runs }, () => wallMs(['-e', `require(${JSON.stringify(file)})`])));
  const aim = aims[fn];
  console.log(
    `${fn.padEnd(8)}  ${gzKb.toFixed(0).padStart(7)}  ${String(aim?.kb ?? '-').padStart(6)}  ${inProcess.toFixed(0).padStart(20)}  ${own.toFixed(0).padStart(11)}  ${wall.toFixed(0).padStart(10)}  ${(wall / bare).toFixed(1).padStart(6)}×  ${String(aim?.ms ?? '-').padStart(6)}`,
  );
}
