// `gitferry serve --repo-max-files` reaches the checkout: a monorepo with more files than the
// budget is refused before anything is written, saying which setting raises it, and the same
// commit renders once the operator raised it. Real git server (http-backend), real checkout.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../../shared/ports/logger.js';
import { buildLocalRuntime, type LocalRuntime } from '../../../shared/runtime/local.js';
import { sourceLimitsWith } from '../../../shared/runtime/source-limits.js';
import { TestRepo } from '../../support/git.js';
import { testbedGuard } from '../../support/source.js';

const quiet: Logger = { info: () => {}, warn: () => {}, error: () => {} };

describe("serve's checkout file budget", () => {
  let repo: TestRepo;
  let sha: string;
  const roots: string[] = [];
  const runtimes: LocalRuntime[] = [];
  const runtime = (repoMaxFiles?: string) => {
    const root = mkdtempSync(join(tmpdir(), 'gitferry-repo-max-files-'));
    roots.push(root);
    const rt = buildLocalRuntime({
      dataDir: root,
      tools: { helm: '/nonexistent', kustomize: '/nonexistent' },
      allowedHosts: testbedGuard.allowedHosts,
      sourceLimits: sourceLimitsWith('--repo-max-files', repoMaxFiles),
      log: quiet,
    });
    runtimes.push(rt);
    return rt;
  };
  const render = (rt: LocalRuntime) =>
    rt.renderer.render({
      appName: 'web',
      namespace: 'web',
      sources: [{ repoURL: repo.url, path: 'deploy', targetRevision: 'main' }],
      revisions: [sha],
    });

  beforeAll(async () => {
    repo = await TestRepo.create('repo-max-files');
    // 1,200 files beside the app's path: 1,203 entries with the directories.
    const files: Record<string, string> = {
      'deploy/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web }\ndata: { a: "1" }\n',
    };
    for (let i = 0; i < 1_200; i++) files[`other/f${String(i).padStart(4, '0')}.txt`] = `${i}\n`;
    sha = await repo.commit(files, 'a monorepo with more files than the budget');
  });
  afterAll(() => {
    for (const rt of runtimes) rt.db.close();
    for (const root of roots) rmSync(root, { recursive: true, force: true });
    repo.dispose();
  });

  test('over the budget: refused before unpacking, naming the setting that raises it', async () => {
    await expect(render(runtime('1000'))).rejects.toMatchObject({
      code: 'source:too-many-files',
      message: expect.stringMatching(
        /more than a checkout of at most 1000 files.*--repo-max-files.*GITFERRY_REPO_MAX_FILES/,
      ),
    });
  });

  test('with the budget raised (and with the default), the same commit renders', async () => {
    for (const rt of [runtime('5000'), runtime()]) {
      const result = await render(rt);
      expect(result.objects.map((o) => o.object.metadata.name)).toEqual(['web']);
    }
  });
});
