// Bundles each functions/<name>/handler.ts into dist/functions/<name>/index.cjs with esbuild:
// CJS output, source maps, and the AWS SDK clients inside the bundle, tree-shaken from their ES
// module builds. Left to the runtime's copy (nodejs22.x ships one), each client is a tree of
// CommonJS files with every command of its service, resolved and compiled at init: bundling cut
// the webhook's module init by about 40 % and the worker's by about 17 % (bench/function-bundles.ts),
// and pins the SDK version that was tested. Credentials come from the environment only, as Lambda
// gives them (shared/runtime/aws-lambda-credentials.ts).
import { build } from 'esbuild';
import { copyFileSync, cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const functionsDir = join(root, 'functions');
const names = existsSync(functionsDir)
  ? readdirSync(functionsDir).filter((n) => existsSync(join(functionsDir, n, 'handler.ts')))
  : [];

/** Lambda's credentials are in its environment: the SDK's default chain is left out. */
const lambdaCredentials = {
  name: 'lambda-credentials',
  setup(b) {
    b.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({
      path: join(root, 'shared', 'runtime', 'aws-lambda-credentials.ts'),
    }));
  },
};

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
      // ES module builds first, so unused commands of a client are left out.
      mainFields: ['module', 'main'],
      metafile: false,
      logLevel: 'warning',
      plugins: [lambdaCredentials],
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
