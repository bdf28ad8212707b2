// What `cdk deploy` uploads for each function is scripts/build-functions.mjs's output: the same
// files the bundle tests run and the benchmarks time.
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { GitferryStack } from '../../infra/gitferry-stack.js';
import { testApp, testEnv } from './synth-gitferry.js';

describe('function bundles', () => {
  test('are minified ES modules with chunks and source maps, carrying the AWS SDK clients they use and no default credential chain', () => {
    const app = testApp({ bundle: true });
    new GitferryStack(app, 'Gitferry', { env: testEnv, deployer: { plainYamlOnly: true } });
    const assembly = app.synth();
    try {
      const assetDirs = readdirSync(assembly.directory).filter((n) => n.startsWith('asset.'));
      const bundles = assetDirs
        .map((n) => join(assembly.directory, n))
        .filter((d) => existsSync(join(d, 'index.mjs')));
      expect(bundles).toHaveLength(4);
      for (const dir of bundles) {
        const files = readdirSync(dir);
        const code = files.filter((f) => f.endsWith('.mjs'));
        // Chunks: what a function needs only sometimes is loaded when first needed.
        expect(code.length).toBeGreaterThan(1);
        for (const f of code) expect(files).toContain(`${f}.map`);
        const index = readFileSync(join(dir, 'index.mjs'), 'utf8');
        expect(index).toMatch(/export\{[^}]*as handler\}/);
        for (const f of code) {
          const js = readFileSync(join(dir, f), 'utf8');
          // The SDK is inside the bundle, not imported from the runtime's copy.
          expect([f, js.match(/from"@aws-sdk\/[\w-]+"/)?.[0]]).toEqual([f, undefined]);
          // Lambda gives credentials in the environment: no profile, SSO or process provider.
          expect([f, /sso_start_url|credential_process/.test(js)]).toEqual([f, false]);
        }
        // Minified: far fewer lines than a readable bundle of the same size.
        expect(index.split('\n').length).toBeLessThan(index.length / 1000);
        expect(code.some((f) => readFileSync(join(dir, f), 'utf8').includes('x-amz-'))).toBe(true);
        // The Lua VM of custom health checks reads its WebAssembly from beside the bundle.
        expect(files).toContain('glue.wasm');
      }
    } finally {
      rmSync(assembly.directory, { recursive: true, force: true });
    }
  });
});
