// Bundles each functions/<name>/handler.ts into dist/functions/<name>/index.cjs with esbuild:
// CJS output (loads faster than ESM with the SDK external), source maps, the AWS SDK left to the
// Lambda runtime (nodejs22.x ships it).
import { build } from 'esbuild';
import { copyFileSync, cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const functionsDir = join(root, 'functions');
const names = existsSync(functionsDir)
  ? readdirSync(functionsDir).filter((n) => existsSync(join(functionsDir, n, 'handler.ts')))
  : [];

const started = Date.now();
await Promise.all(
  names.map((name) =>
    build({
      entryPoints: [join(functionsDir, name, 'handler.ts')],
      outfile: join(root, 'dist', 'functions', name, 'index.cjs'),
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      sourcemap: true,
      minify: true,
      external: ['@aws-sdk/*'],
      metafile: false,
      logLevel: 'warning',
    }),
  ),
);
// wasmoon (the Lua VM of custom health checks) loads its WebAssembly from beside the bundle.
const luaWasm = join(root, 'node_modules', 'wasmoon', 'dist', 'glue.wasm');
for (const name of names) copyFileSync(luaWasm, join(root, 'dist', 'functions', name, 'glue.wasm'));
// The API function serves the web UI (npm run build makes dist/ui first): shipped beside its bundle.
const ui = join(root, 'dist', 'ui');
if (existsSync(join(ui, 'index.html')) && names.includes('api')) {
  rmSync(join(root, 'dist', 'functions', 'api', 'ui'), { recursive: true, force: true });
  cpSync(ui, join(root, 'dist', 'functions', 'api', 'ui'), { recursive: true });
}
console.log(
  `bundled ${names.length} function(s) in ${Date.now() - started} ms: ${names.join(', ') || '(none yet)'}`,
);
