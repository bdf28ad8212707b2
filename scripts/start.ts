// `npm start`: Gitferry running locally on its embedded defaults.
// - With a kubeconfig (GITFERRY_KUBECONFIG, KUBECONFIG or ~/.kube/config): serves against its clusters.
// - Without one: brings up the local sandbox (the test bed's Kubernetes and git server), puts an
//   example app in a git repo, registers it, pushes a change through the webhook and shows it
//   becoming a synced, healthy deployment. Then keeps running until Ctrl-C.
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '../cli/serve.js';
import { FileSecretStore } from '../shared/adapters/local/file-secret-store.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = process.env.GITFERRY_DATA_DIR ?? join(homedir(), '.gitferry');
const port = Number(process.env.GITFERRY_PORT ?? 8080);
const started = Date.now();
const say = (msg: string) =>
  console.log(`[gitferry ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${msg}`);
const quiet = {
  info: () => {},
  warn: (m: string, e?: Record<string, unknown>) => say(`warning: ${m} ${e ? JSON.stringify(e) : ''}`),
  error: (m: string, e?: Record<string, unknown>) => say(`error: ${m} ${e ? JSON.stringify(e) : ''}`),
};

const kubeconfig = [
  process.env.GITFERRY_KUBECONFIG,
  process.env.KUBECONFIG,
  join(homedir(), '.kube', 'config'),
].find((f) => f && existsSync(f));

if (kubeconfig && process.env.GITFERRY_SANDBOX !== '1') {
  say(`using the clusters of ${kubeconfig}`);
  const server = await serve({ port, host: '127.0.0.1', dataDir, kubeconfig, workers: 2 });
  say(
    `Gitferry is up at ${server.url} — try: bin/gitferry app create -f <application.yaml>; bin/gitferry app list`,
  );
} else {
  say('no kubeconfig found: starting the local sandbox (Kubernetes with fake nodes, a git server)');
  say(
    'building the sandbox binaries if needed (first time on this machine: about 11 minutes; then under a second)',
  );
  const build = spawnSync(join(root, 'test/testbed/build.sh'), ['all'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('building the sandbox failed; see the messages above');

  const { startTestbed, stopTestbed, stateFile, stateEnvVar } = await import('../test/testbed/testbed.js');
  const bed = await startTestbed();
  process.env[stateEnvVar] = stateFile(bed);
  say(`Kubernetes ${bed.kube.server} with nodes ${bed.nodes.join(', ')}; git server ${bed.git.url}`);

  const { TestRepo } = await import('../test/support/git.js');
  const repo = await TestRepo.create('example-guestbook');
  await repo.commitFixture('guestbook', {}, 'guestbook: first version');
  say(`example repository ${repo.url} (a working clone to edit and push from: ${repo.path})`);

  // The sandbox's cluster and repositories are new each time: so is its state.
  const sandboxDir = join(dataDir, 'sandbox');
  rmSync(sandboxDir, { recursive: true, force: true });
  const webhookSecret = 'sandbox-webhook-secret';
  await new FileSecretStore(join(sandboxDir, 'secrets')).put('webhooks/github', webhookSecret);
  const server = await serve({
    port,
    host: '127.0.0.1',
    dataDir: sandboxDir,
    kubeconfig: bed.kubeconfig,
    workers: 2,
    allowedHosts: ['127.0.0.1/32'],
    tools: { helm: bed.bin.helm, kustomize: bed.bin.kustomize },
    log: quiet,
  });
  const api = (method: string, path: string, body?: string, type = 'application/json') =>
    fetch(`${server.url}${path}`, {
      method,
      body,
      headers: { authorization: `Bearer ${server.token}`, 'content-type': type },
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));

  const application = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: { name: guestbook }
spec:
  project: default
  source: { repoURL: ${repo.url}, targetRevision: main, path: guestbook }
  destination: { name: testbed, namespace: guestbook }
  syncPolicy:
    automated: { prune: true, selfHeal: true }
    syncOptions: [CreateNamespace=true]
`;
  const created = await api('POST', '/api/v1/apps?upsert=true', application, 'application/yaml');
  say(`registered app guestbook (HTTP ${created.status})`);

  type Status = { sync?: { status?: string; revision?: string }; health?: { status?: string } };
  const waitFor = async (check: (s: Status) => boolean) => {
    const t = Date.now();
    for (;;) {
      const { body } = await api('GET', '/api/v1/apps/guestbook');
      if (body.status && check(body.status as Status)) return Date.now() - t;
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const firstMs = await waitFor((s) => s.sync?.status === 'Synced' && s.health?.status === 'Healthy');
  say(`guestbook is Synced and Healthy (first sync and rollout: ${firstMs} ms)`);

  // A push: commit a change, deliver GitHub's webhook to the local endpoint, watch it deploy.
  const sha = await repo.commit(
    {
      'guestbook/app.yaml': (await import('node:fs'))
        .readFileSync(join(repo.path, 'guestbook/app.yaml'), 'utf8')
        .replace('replicas: 2', 'replicas: 3'),
    },
    'guestbook: three replicas',
  );
  const payload = JSON.stringify({
    ref: 'refs/heads/main',
    before: '0'.repeat(40),
    after: sha,
    created: false,
    deleted: false,
    forced: false,
    repository: { clone_url: repo.url, html_url: repo.url },
    commits: [],
    head_commit: { id: sha },
  });
  const pushedAt = Date.now();
  const hook = await fetch(`${server.url}/api/webhook`, {
    method: 'POST',
    body: payload,
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': `sandbox-${sha}`,
      'x-hub-signature-256': `sha256=${createHmac('sha256', webhookSecret).update(payload).digest('hex')}`,
    },
  });
  say(`pushed ${sha.slice(0, 8)} (3 replicas); webhook answered ${hook.status}`);
  await waitFor(
    (s) => s.sync?.revision === sha && s.sync?.status === 'Synced' && s.health?.status === 'Healthy',
  );
  say(
    `push ${sha.slice(0, 8)} is deployed, Synced and Healthy ${Date.now() - pushedAt} ms after the webhook`,
  );

  console.log(`
Gitferry is running at ${server.url} (API token in ${join(sandboxDir, 'api-token')})
  bin/gitferry --server ${server.url} app list
  bin/gitferry --server ${server.url} app get guestbook
  bin/gitferry --server ${server.url} app history guestbook
  ${bed.bin.kubectl} --kubeconfig ${bed.kubeconfig} -n guestbook get deploy,pods
Edit ${repo.path}, commit and push (git push origin HEAD:main), then deliver a webhook to ${server.url}/api/webhook
(secret "${webhookSecret}") or wait for the drift check (every 3 minutes). Ctrl-C stops everything.`);

  const shutdown = async () => {
    say('stopping');
    await server.stop();
    repo.dispose();
    await stopTestbed(bed);
    process.exit(0);
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.removeAllListeners(sig).once(sig, () => void shutdown());
}
