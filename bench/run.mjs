// `npm run bench`: runs every benchmark in bench/ one after another (TypeScript through tsx, .mjs as is).
import { spawnSync } from 'node:child_process';

const benches = [
  'engine-apply.ts',
  'directory-render.ts',
  'source-render.ts',
  'push-latency.ts',
  'local-latency.ts',
  'lua-health.ts',
  'cli-startup.mjs',
  'web-ui.ts',
];
for (const b of benches) {
  const res = spawnSync(
    process.execPath,
    [...(b.endsWith('.ts') ? ['--import', 'tsx'] : []), new URL(`./${b}`, import.meta.url).pathname],
    {
      stdio: 'inherit',
    },
  );
  if (res.status !== 0) process.exit(res.status ?? 1);
}
