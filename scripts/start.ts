// `npm start`: Gitferry running locally on its embedded defaults.
// - With a kubeconfig (GITFERRY_KUBECONFIG, KUBECONFIG or ~/.kube/config): serves against its clusters.
// - Without one: brings up the local sandbox (the test bed's Kubernetes and git server), puts an
//   example app in a git repo whose server sends a signed push webhook on every push, registers
//   the app, pushes a change with git and shows it becoming a synced, healthy deployment. Then
//   keeps running until Ctrl-C: a `git push` to the example repository deploys.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '../cli/serve.js';

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

  const { gitHasIdentity, sandboxApp, startSandbox } = await import('./sandbox.js');
  const sandbox = await startSandbox(bed, { port, dataDir: join(dataDir, 'sandbox'), log: quiet });
  const { server, repo } = sandbox;
  say(
    `example repository ${repo.url}: its git server sends a signed push webhook to ${server.url}/api/webhook`,
  );
  say(`registered app ${sandboxApp}`);
  const firstMs = await sandbox.waitFor((s) => s.sync?.status === 'Synced' && s.health?.status === 'Healthy');
  say(`${sandboxApp} is Synced and Healthy (first sync and rollout: ${firstMs} ms)`);

  // A push, as a user makes one: commit in a clone and `git push`; the git server's hook delivers the webhook.
  const pushedAt = Date.now();
  const sha = await repo.commit(
    {
      'guestbook/app.yaml': readFileSync(join(repo.path, 'guestbook/app.yaml'), 'utf8').replace(
        'replicas: 2',
        'replicas: 3',
      ),
    },
    'guestbook: three replicas',
  );
  say(`git push of ${sha.slice(0, 8)} (3 replicas); the git server delivered the webhook`);
  await sandbox.waitFor(
    (s) => s.sync?.revision === sha && s.sync?.status === 'Synced' && s.health?.status === 'Healthy',
  );
  say(`push ${sha.slice(0, 8)} is deployed, Synced and Healthy ${Date.now() - pushedAt} ms after git push`);

  const identity = gitHasIdentity() ? '' : '-c user.name=you -c user.email=you@example.invalid ';
  console.log(`
Gitferry is running at ${server.url}. In another shell:

  export GITFERRY_SERVER=${server.url} GITFERRY_DATA_DIR=${sandbox.dataDir}
  bin/gitferry app list
  bin/gitferry app get ${sandboxApp}
  bin/gitferry app history ${sandboxApp}

Change the example and push, as on GitHub (the git server sends the webhook; the app syncs itself):

  git clone ${repo.url} guestbook && cd guestbook
  sed -i 's/replicas: 3/replicas: 4/' guestbook/app.yaml
  git ${identity}commit -am 'guestbook: four replicas' && git push

  ${bed.bin.kubectl} --kubeconfig ${bed.kubeconfig} -n guestbook get deploy,pods
Ctrl-C stops everything.`);

  const shutdown = async () => {
    say('stopping');
    await sandbox.stop();
    await stopTestbed(bed);
    process.exit(0);
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.removeAllListeners(sig).once(sig, () => void shutdown());
}
