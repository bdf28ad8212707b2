// `npm run bench`: runs every benchmark in bench/ (TypeScript, through tsx) one after another.
import { spawnSync } from 'node:child_process';

const benches = [
  'engine-apply.ts',
  'directory-render.ts',
  'source-render.ts',
  'push-latency.ts',
  'local-latency.ts',
  'lua-health.ts',
];
for (const b of benches) {
  const res = spawnSync(process.execPath, ['--import', 'tsx', new URL(`./${b}`, import.meta.url).pathname], {
    stdio: 'inherit',
  });
  if (res.status !== 0) process.exit(res.status ?? 1);
}
