// Bundles each functions/<name>/handler.ts into dist/functions/<name>/ with esbuild: an ES module
// `index.mjs` (Lambda's handler `index.handler`) plus chunks beside it, source maps, and the AWS
// SDK clients inside the bundle, tree-shaken from their ES module builds. This is the one build of
// the functions: `cdk deploy` runs it too (infra/gitferry-function.ts), so what the benchmarks
// and the bundle tests load is what Lambda runs.
// - Code splitting: what a function needs only sometimes (the Lua VM of custom health checks, the
//   EKS and STS clients, git, Helm repositories, pull-request previews) is imported where it is
//   used and lands in its own chunk, compiled when first needed instead of at every cold start
//   (bench/function-bundles.ts measures the init).
// - Left to the runtime's copy (nodejs22.x ships one), each SDK client is a tree of CommonJS files
//   with every command of its service, resolved and compiled at init; bundled, the tested SDK
//   version is the one deployed.
// - Credentials come from the environment only, as Lambda gives them
//   (shared/runtime/aws-lambda-credentials.ts): the SDK's default chain is left out.
// Usage: node scripts/build-functions.mjs [--only <name>] [--outdir <dir>] [--without-sdk]
//   (--outdir needs --only: the function's files go straight into <dir>, as `cdk deploy` asks;
//   --without-sdk leaves the AWS SDK out, for bench/function-bundles.ts to time the own code alone)
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const functionsDir = join(root, 'functions');
const { values: flags } = parseArgs({
  options: {
    only: { type: 'string' },
    outdir: { type: 'string' },
    'without-sdk': { type: 'boolean', default: false },
  },
});
const all = existsSync(functionsDir)
  ? readdirSync(functionsDir).filter((n) => existsSync(join(functionsDir, n, 'handler.ts')))
  : [];
if (flags.only && !all.includes(flags.only)) {
  console.error(
    `no function named ${JSON.stringify(flags.only)} (functions/<name>/handler.ts): ${all.join(', ')}`,
  );
  process.exit(2);
}
if (flags.outdir && !flags.only) {
  console.error('--outdir needs --only <name>');
  process.exit(2);
}
const names = flags.only ? [flags.only] : all;
const outdirOf = (name) => flags.outdir ?? join(root, 'dist', 'functions', name);

/** Lambda's credentials are in its environment: the SDK's default chain is left out. */
const lambdaCredentials = {
  name: 'lambda-credentials',
  setup(b) {
    b.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({
      path: join(root, 'shared', 'runtime', 'aws-lambda-credentials.ts'),
    }));
  },
};

// CommonJS code inside an ES module bundle still calls require() (Node's built-ins) and reads
// __filename/__dirname (wasmoon finds its glue.wasm beside itself): each output file defines them
// for itself. Chunks sit beside index.mjs, so __dirname is the function's folder in every one.
const commonJsGlobals = [
  "import{createRequire as __gfRequire}from'node:module';",
  "import{fileURLToPath as __gfPath}from'node:url';",
  "import{dirname as __gfDir}from'node:path';",
  'const require=__gfRequire(import.meta.url),__filename=__gfPath(import.meta.url),__dirname=__gfDir(__filename);',
].join('');

const started = Date.now();
await Promise.all(
  names.map(async (name) => {
    const outdir = outdirOf(name);
    // Old chunks would linger beside the new ones (their names carry a content hash).
    for (const f of existsSync(outdir) ? readdirSync(outdir) : [])
      if (/^(index|chunk-[\w-]+)\.(c|m)?js(\.map)?$/.test(f)) rmSync(join(outdir, f), { force: true });
    mkdirSync(outdir, { recursive: true });
    await build({
      entryPoints: { index: join(functionsDir, name, 'handler.ts') },
      outdir,
      outExtension: { '.js': '.mjs' },
      chunkNames: 'chunk-[hash]',
      bundle: true,
      splitting: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      banner: { js: commonJsGlobals },
      // The map ships beside the bundle to decode traces; NODE_OPTIONS=--enable-source-maps is left
      // off because it parses the whole map at init, against the cold-start budget.
      sourcemap: true,
      minify: true,
      // ES module builds first, so unused commands of a client are left out.
      mainFields: ['module', 'main'],
      logLevel: 'warning',
      plugins: [lambdaCredentials],
      external: flags['without-sdk'] ? ['@aws-sdk/*'] : [],
    });
    // wasmoon (the Lua VM of custom health checks) loads its WebAssembly from beside the bundle.
    copyFileSync(join(root, 'node_modules', 'wasmoon', 'dist', 'glue.wasm'), join(outdir, 'glue.wasm'));
  }),
);
// The API function serves the web UI (scripts/build-ui.mjs makes dist/ui): built here when missing,
// and always for a deployment (--outdir), which ships the checkout's UI.
if (names.includes('api')) {
  const ui = join(root, 'dist', 'ui');
  if (flags.outdir || !existsSync(join(ui, 'index.html')))
    execFileSync(process.execPath, [join(root, 'scripts', 'build-ui.mjs'), '--quiet'], { stdio: 'inherit' });
  rmSync(join(outdirOf('api'), 'ui'), { recursive: true, force: true });
  // Another build may be writing dist/ui at the same time (through <file>.<pid>.tmp and renames):
  // its temporary files are not copied.
  cpSync(ui, join(outdirOf('api'), 'ui'), { recursive: true, filter: (src) => !src.endsWith('.tmp') });
}
if (!flags.outdir)
  console.log(
    `bundled ${names.length} function(s) in ${Date.now() - started} ms: ${names.join(', ') || '(none yet)'}`,
  );
