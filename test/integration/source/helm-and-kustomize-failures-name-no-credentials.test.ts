import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTool } from '../../../shared/source/tool-runner.js';
import { testbed } from '../../support/testbed.js';

// The real helm and kustomize, pointed at a chart repository and a remote base whose URLs carry a
// token, fail (nothing listens there) and print the URL back: the render error must not.
const token = 'glpat-Xk3Lm9Qp2Rs7Tv4Wy8Za';
const nowhere = '127.0.0.1:1';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gitferry-tool-creds-'));
  mkdirSync(join(dir, 'home'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function failureOf(bin: string, args: string[], what: string): Promise<Error> {
  try {
    await runTool({
      bin,
      args,
      cwd: dir,
      home: join(dir, 'home'),
      timeoutMs: 60_000,
      maxOutputBytes: 1 << 20,
      what,
    });
  } catch (err) {
    return err as Error;
  }
  throw new Error(`${what} did not fail`);
}

describe('helm and kustomize failures', () => {
  test('helm template from a repository URL with a token fails without naming the token', async () => {
    const err = await failureOf(
      testbed().bin.helm,
      ['template', 'web', 'web', '--repo', `https://deploy:${token}@${nowhere}/charts`],
      'helm template of web',
    );

    expect(err.message).toMatch(/^helm template of web failed: /);
    expect(err.message).not.toContain(token);
  });

  test('kustomize build of a remote base with a token in its URL fails without naming the token', async () => {
    const app = join(dir, 'app');
    mkdirSync(app, { recursive: true });
    writeFileSync(
      join(app, 'kustomization.yaml'),
      `resources:\n  - https://deploy:${token}@${nowhere}/org/repo//base?ref=main&private_token=${token}\n`,
    );

    const err = await failureOf(testbed().bin.kustomize, ['build', app], 'kustomize build of app');

    expect(err.message).toMatch(/^kustomize build of app failed: /);
    expect(err.message).not.toContain(token);
  });
});
