import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { GitferryStack } from '../../infra/gitferry-stack.js';
import { testApp, testEnv } from './synth-gitferry.js';

describe('function bundles', () => {
  test('are minified CJS bundles with source maps, carrying the AWS SDK clients they use', () => {
    const app = testApp({ bundle: true });
    new GitferryStack(app, 'Gitferry', { env: testEnv, deployer: { plainYamlOnly: true } });
    const assembly = app.synth();
    try {
      const assetDirs = readdirSync(assembly.directory).filter((n) => n.startsWith('asset.'));
      const bundles = assetDirs.filter((n) => existsSync(join(assembly.directory, n, 'index.js')));
      expect(bundles).toHaveLength(4);
      for (const b of bundles) {
        const js = readFileSync(join(assembly.directory, b, 'index.js'), 'utf8');
        expect(existsSync(join(assembly.directory, b, 'index.js.map'))).toBe(true);
        expect(js).toContain('exports');
        // The SDK is inside the bundle, not required from the runtime's copy.
        expect(js).not.toMatch(/require\("@aws-sdk\/client-/);
        expect(js).toContain('x-amz-');
        // Minified: far fewer lines than a readable bundle of the same size.
        expect(js.split('\n').length).toBeLessThan(js.length / 1000);
      }
    } finally {
      rmSync(assembly.directory, { recursive: true, force: true });
    }
  });
});
