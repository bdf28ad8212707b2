import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runTool } from '../../../shared/source/tool-runner.js';
import {
  nonLoopbackAddress,
  startRequestCounter,
  type RequestCounter,
} from '../../support/request-counter.js';
import { testbed } from '../../support/testbed.js';

// The second line of defence: were a remote reference to slip past the checks, helm and kustomize
// still reach nothing, because they run with a dead proxy and no programs (no git) on PATH. The
// server listens on a non-loopback address of this machine, which Go would proxy.
describe('helm and kustomize run by Gitferry', () => {
  let counter: RequestCounter;
  let dir: string;
  let address: string;
  beforeAll(async () => {
    address = (await nonLoopbackAddress()) ?? '';
    counter = await startRequestCounter(address || '127.0.0.1');
    dir = mkdtempSync(join(tmpdir(), 'gitferry-no-network-'));
  });
  afterAll(async () => {
    await counter.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => counter.requests.splice(0));

  const kustomization = (name: string, resources: string[]) => {
    const app = join(dir, name);
    mkdirSync(app, { recursive: true });
    writeFileSync(
      join(app, 'kustomization.yaml'),
      `resources:\n${resources.map((r) => `- ${r}\n`).join('')}`,
    );
    return app;
  };
  const run = (bin: string, args: string[]) =>
    runTool({
      bin,
      args,
      cwd: dir,
      home: join(dir, 'home'),
      timeoutMs: 30_000,
      maxOutputBytes: 1 << 20,
      what: 'probe',
    });

  test('this machine has a non-loopback address to test with', () => {
    expect(address).not.toBe('');
  });

  test('the probe is live: kustomize with the host environment fetches a remote resource', async () => {
    const app = kustomization('live', [`${counter.url}/cm.yaml`]);
    await promisify(execFile)(testbed().bin.kustomize, ['build', app], {
      env: { HOME: dir, PATH: '/usr/bin:/bin' },
    });
    expect(counter.requests.length).toBeGreaterThan(0);
  });

  test('kustomize cannot fetch a remote resource file', async () => {
    const app = kustomization('file', [`${counter.url}/cm.yaml`]);
    await expect(run(testbed().bin.kustomize, ['build', app])).rejects.toThrow(/probe failed/);
    expect(counter.requests).toEqual([]);
  });

  test('kustomize cannot clone a remote base', async () => {
    const app = kustomization('git', [`${counter.url}/org/repo.git//deploy?ref=main`]);
    await expect(run(testbed().bin.kustomize, ['build', app])).rejects.toThrow(/probe failed/);
    expect(counter.requests).toEqual([]);
  });

  test('helm cannot fetch from a chart repository', async () => {
    await expect(
      run(testbed().bin.helm, ['template', 'x', 'chart', `--repo=${counter.url}`]),
    ).rejects.toThrow(/probe failed/);
    expect(counter.requests).toEqual([]);
  });
});
