// The sandbox behind `npm start` without a kubeconfig: on a running test bed (real Kubernetes with
// fake nodes, git's own http-backend), an example repository whose git server delivers a signed
// push webhook to `serve` on every push, `serve` itself, and the example app registered in it.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { serve, type RunningServer } from '../cli/serve.js';
import { FileSecretStore } from '../shared/adapters/local/file-secret-store.js';
import type { Logger } from '../shared/ports/logger.js';
import { TestRepo } from '../test/support/git.js';
import type { TestbedState } from '../test/testbed/testbed.js';
import { installPushHook } from './sandbox-push-hook.js';

export interface Sandbox {
  server: RunningServer;
  /** The example repository, with a working clone (`repo.path`) the sandbox itself pushes from. */
  repo: TestRepo;
  dataDir: string;
  /** Resolves when the app's status passes `check`; the time it took (ms). */
  waitFor(check: (s: AppStatusView) => boolean): Promise<number>;
  stop(): Promise<void>;
}

export interface AppStatusView {
  sync?: { status?: string; revision?: string };
  health?: { status?: string };
}

export const sandboxApp = 'guestbook';
const webhookSecret = 'sandbox-webhook-secret';

/** Whether git can commit here without being told who you are (for the hints printed). */
export function gitHasIdentity(): boolean {
  return spawnSync('git', ['config', 'user.email'], { encoding: 'utf8' }).stdout.trim() !== '';
}

export async function startSandbox(
  bed: TestbedState,
  o: { port: number; dataDir: string; log: Logger; namespace?: string },
): Promise<Sandbox> {
  const repo = await TestRepo.create('example-guestbook');
  await repo.commitFixture('guestbook', {}, 'guestbook: first version');

  // The sandbox's cluster and repositories are new each time: so is its state.
  rmSync(o.dataDir, { recursive: true, force: true });
  await new FileSecretStore(join(o.dataDir, 'secrets')).put('webhooks/github', webhookSecret);
  const server = await serve({
    port: o.port,
    host: '127.0.0.1',
    dataDir: o.dataDir,
    kubeconfig: bed.kubeconfig,
    workers: 2,
    allowedHosts: ['127.0.0.1/32'],
    tools: { helm: bed.bin.helm, kustomize: bed.bin.kustomize },
    log: o.log,
  });
  installPushHook({
    bareRepo: join(bed.git.repoRoot, `${repo.name}.git`),
    cloneUrl: repo.url,
    webhookUrl: `${server.url}/api/webhook`,
    secret: webhookSecret,
  });

  const api = (method: string, path: string, body?: string, type = 'application/json') =>
    fetch(`${server.url}${path}`, {
      method,
      body,
      headers: { authorization: `Bearer ${server.token}`, 'content-type': type },
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
  const application = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: { name: ${sandboxApp} }
spec:
  project: default
  source: { repoURL: ${repo.url}, targetRevision: main, path: guestbook }
  destination: { name: testbed, namespace: ${o.namespace ?? 'guestbook'} }
  syncPolicy:
    automated: { prune: true, selfHeal: true }
    syncOptions: [CreateNamespace=true]
`;
  const created = await api('POST', '/api/v1/apps?upsert=true', application, 'application/yaml');
  if (created.status >= 300)
    throw new Error(
      `registering the example app failed: HTTP ${created.status} ${JSON.stringify(created.body)}`,
    );

  const waitFor = async (check: (s: AppStatusView) => boolean) => {
    const t = Date.now();
    for (;;) {
      const { body } = await api('GET', `/api/v1/apps/${sandboxApp}`);
      if (body.status && check(body.status as AppStatusView)) return Date.now() - t;
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const stop = async () => {
    await server.stop();
    repo.dispose();
  };
  return { server, repo, dataDir: o.dataDir, waitFor, stop };
}
