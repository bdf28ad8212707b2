// `gitferry serve`: the whole control plane in one process, on the embedded store and queue.
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  existsSync,
  fchmodSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { serve as serveHttp } from '@hono/node-server';
import { KubeConfig } from '@kubernetes/client-node';
import { loadAll } from 'js-yaml';
import { createApiApp } from '../shared/api/api-app.js';
import { ClusterConnectorRouter } from '../shared/adapters/cluster/cluster-connector-router.js';
import { TokenClusterConnector } from '../shared/adapters/cluster/token-cluster-connector.js';
import { EksClusterConnector } from '../shared/adapters/aws/eks-cluster-connector.js';
import { openDatabase } from '../shared/adapters/local/sqlite-database.js';
import { SqliteJobQueue } from '../shared/adapters/local/sqlite-job-queue.js';
import { SqliteStateStore } from '../shared/adapters/local/sqlite-state-store.js';
import { FileSecretStore } from '../shared/adapters/local/file-secret-store.js';
import { parseApplication, parseAppProjectManifest } from '../shared/domain/application-manifest.js';
import { ClusterConfigError } from '../shared/domain/cluster-credentials.js';
import { GitferryError } from '../shared/domain/errors.js';
import type { ClusterServerPolicy } from '../shared/engine/cluster-server.js';
import { systemClock } from '../shared/ports/clock.js';
import { redactingLogger, type Logger } from '../shared/ports/logger.js';
import { GitCheckoutCache } from '../shared/source/git.js';
import { SourceRenderer } from '../shared/source/render.js';
import { enqueueDriftChecks } from '../shared/control/drift-schedule.js';
import { registerCluster } from '../shared/control/cluster-registration.js';
import { repoCredentialsResolver } from '../shared/control/repo-credentials.js';
import { WakeUpHandler } from '../shared/control/wake-up.js';

export interface ServeOptions {
  port: number;
  host: string;
  dataDir: string;
  appsDir?: string;
  kubeconfig?: string;
  workers: number;
  /** Argo CD polls every 3 minutes; so does the drift check here. */
  driftIntervalMs?: number;
  tools?: { helm: string; kustomize: string };
  /** Hosts the URL guard lets through (a git server on this machine, say). */
  allowedHosts?: string[];
  log?: Logger;
}

export interface RunningServer {
  url: string;
  token: string;
  stop(): Promise<void>;
}

const consoleLogger: Logger = {
  info: (m, e) => console.log(JSON.stringify({ level: 'INFO', message: m, ...e })),
  warn: (m, e) => console.log(JSON.stringify({ level: 'WARN', message: m, ...e })),
  error: (m, e) => console.error(JSON.stringify({ level: 'ERROR', message: m, ...e })),
};

function toolPath(name: 'helm' | 'kustomize'): string {
  const fromEnv = process.env[`GITFERRY_${name.toUpperCase()}`];
  if (fromEnv) return fromEnv;
  const cached = join(process.env.HOME ?? '', '.cache', 'gitferry-testbed', 'bin', name);
  return existsSync(cached) ? cached : `/usr/local/bin/${name}`;
}

/**
 * Token users of a kubeconfig become registered clusters (named by context), through the same
 * checks as the API's registrations; other contexts are skipped, said so.
 */
async function registerKubeconfigClusters(
  kc: KubeConfig,
  store: SqliteStateStore,
  secrets: FileSecretStore,
  server: ClusterServerPolicy,
  log: Logger,
): Promise<string[]> {
  const names: string[] = [];
  for (const ctx of kc.getContexts()) {
    const cluster = kc.getCluster(ctx.cluster);
    const user = kc.getUser(ctx.user);
    if (!cluster || !user?.token) {
      log.warn('kubeconfig context skipped: only token users are supported', { context: ctx.name });
      continue;
    }
    const caData =
      cluster.caData ?? (cluster.caFile ? readFileSync(cluster.caFile).toString('base64') : undefined);
    try {
      await registerCluster(
        {
          name: ctx.name,
          server: cluster.server,
          caData,
          token: user.token,
          insecureSkipVerify: cluster.skipTLSVerify,
        },
        { store, writeSecret: (name, value) => secrets.put(name, value), server },
      );
    } catch (err) {
      if (!(err instanceof ClusterConfigError)) throw err;
      log.warn('kubeconfig context skipped', { context: ctx.name, detail: err.message });
      continue;
    }
    names.push(ctx.name);
  }
  return names;
}

/**
 * Writes the API token readable by this user only: 0600 even when the file existed with wider
 * permissions (writeFile's mode applies only to files it creates), and never through a symlink
 * planted in the data dir.
 */
export function writePrivateFile(file: string, content: string): void {
  const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  try {
    fchmodSync(fd, 0o600);
    ftruncateSync(fd, 0);
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
}

/** Loads Application and AppProject manifests from a directory (every *.yaml/*.yml/*.json). */
async function loadAppsDir(dir: string, store: SqliteStateStore, log: Logger): Promise<string[]> {
  const loaded: string[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => /\.(ya?ml|json)$/.test(f))
    .sort()) {
    for (const doc of loadAll(readFileSync(join(dir, file), 'utf8')) as { kind?: string }[]) {
      try {
        if (doc?.kind === 'AppProject') {
          const { project, warnings } = parseAppProjectManifest(doc);
          for (const w of warnings) log.warn(`${file}: AppProject/${project.name}: ${w}`);
          await store.putProject(project);
        }
        if (doc?.kind !== 'Application') continue;
        const { app, warnings } = parseApplication(doc);
        for (const w of warnings) log.warn(`${file}: Application/${app.name}: ${w}`);
        await store.putApp(app);
        loaded.push(app.name);
      } catch (err) {
        // Say which file: the message names the object and field, the file says where to fix it.
        if (err instanceof GitferryError)
          throw new GitferryError(err.code, `${file}: ${err.message}`, { cause: err });
        throw err;
      }
    }
  }
  return loaded;
}

/**
 * One `serve` per data dir: it releases stale leases at start, which is only safe when no other
 * live process uses the same store.
 */
function claimDataDir(dir: string): void {
  const pidFile = join(dir, 'serve.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8'));
    let alive = false;
    try {
      alive = pid > 0 && pid !== process.pid && process.kill(pid, 0);
    } catch {
      alive = false;
    }
    if (alive) throw new Error(`data dir ${dir} is in use by another gitferry serve (pid ${pid})`);
  }
  writeFileSync(pidFile, String(process.pid));
}

export async function serve(opts: ServeOptions): Promise<RunningServer> {
  const log = redactingLogger(opts.log ?? consoleLogger);
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  claimDataDir(opts.dataDir);
  const db = openDatabase(join(opts.dataDir, 'gitferry.db'));
  const store = new SqliteStateStore(db);
  const queue = new SqliteJobQueue(db, { visibilityTimeoutSeconds: 120, maxReceiveCount: 5 });
  const secrets = new FileSecretStore(join(opts.dataDir, 'secrets'));
  const guard = { allowedHosts: opts.allowedHosts ?? [] };
  const checkouts = new GitCheckoutCache(join(opts.dataDir, 'cache', 'checkouts'), { http: { guard } });
  const renderer = new SourceRenderer(checkouts, {
    workRoot: join(opts.dataDir, 'cache', 'renders'),
    tools: opts.tools ?? { helm: toolPath('helm'), kustomize: toolPath('kustomize') },
    guard,
  });
  // The servers of the admin's own kubeconfig are trusted as named (a kind cluster on 127.0.0.1);
  // every other server, API registrations included, passes the URL guard.
  const kubeconfig = opts.kubeconfig && existsSync(opts.kubeconfig) ? new KubeConfig() : undefined;
  if (kubeconfig) kubeconfig.loadFromFile(opts.kubeconfig!);
  const clusterServers: ClusterServerPolicy = {
    guard,
    trustedServers: kubeconfig?.getClusters().map((c) => c.server) ?? [],
  };
  const connector = new ClusterConnectorRouter({
    kubeconfig: new TokenClusterConnector(secrets, { server: clusterServers }),
    eks: new EksClusterConnector(),
  });
  // One process owns this data dir: any lease in it belongs to a previous run of this process.
  const holder = `serve-${process.pid}-${randomBytes(4).toString('hex')}`;
  const controller = new WakeUpHandler({
    store,
    queue,
    connector,
    renderer,
    credentials: repoCredentialsResolver([], secrets),
    clock: systemClock,
    log,
    holder,
    // One process, no per-invocation cost: look at Progressing apps often, keep a lease past a long step.
    options: { guard, leaseTtlMs: 90_000, healthRecheckSeconds: 2 },
  });

  if (kubeconfig) {
    const names = await registerKubeconfigClusters(kubeconfig, store, secrets, clusterServers, log);
    log.info('clusters registered from kubeconfig', { clusters: names });
  }
  if (opts.appsDir) log.info('apps loaded', { apps: await loadAppsDir(opts.appsDir, store, log) });

  // Level-triggered recovery: every app gets a wake-up at start, so an operation interrupted by a
  // crash (kill -9) resumes from its stored state once the dead process's lease has expired.
  store.releaseAllLeases();
  for (const app of await store.listApps())
    await queue.send({ app: app.name, reason: 'continue', requestedAt: Date.now() });

  const tokenFile = join(opts.dataDir, 'api-token');
  const token = existsSync(tokenFile)
    ? readFileSync(tokenFile, 'utf8').trim()
    : randomBytes(24).toString('base64url');
  writePrivateFile(tokenFile, `${token}\n`);
  const api = createApiApp({
    store,
    queue,
    controller,
    log,
    now: Date.now,
    token,
    writeSecret: (name, value) => secrets.put(name, value),
    clusters: { server: clusterServers },
    webhookSecrets: async () => ({
      github: await secrets.get('webhooks/github'),
      gitlab: await secrets.get('webhooks/gitlab'),
    }),
  });

  let stopping = false;
  const inflight = new Set<Promise<void>>();
  const workerLoop = async () => {
    while (!stopping) {
      const received = await queue.receive(1, 1);
      for (const r of received) {
        const work = (async () => {
          try {
            const outcome = await controller.handle(r.job);
            await queue.delete(r.receipt);
            log.info('wake-up handled', { app: r.job.app, reason: r.job.reason, outcome });
          } catch (err) {
            log.error('wake-up failed; it will be retried', {
              app: r.job.app,
              detail: (err as Error).message,
              receiveCount: r.receiveCount,
            });
          }
        })();
        inflight.add(work);
        await work;
        inflight.delete(work);
      }
    }
  };
  const loops = Array.from({ length: Math.max(1, opts.workers) }, () => workerLoop());
  const drift = setInterval(() => {
    enqueueDriftChecks({ store, queue, now: Date.now, jitterSeconds: 30 }).catch((err: Error) =>
      log.error('drift schedule failed', { detail: err.message }),
    );
  }, opts.driftIntervalMs ?? 180_000);

  const server = await new Promise<ReturnType<typeof serveHttp>>((resolve) => {
    const s = serveHttp({ fetch: api.fetch, port: opts.port, hostname: opts.host }, () => resolve(s));
  });
  const address = server.address();
  const url = `http://${opts.host}:${typeof address === 'object' && address ? address.port : opts.port}`;
  log.info('gitferry serve is up', { url, dataDir: opts.dataDir, tokenFile, webhook: `${url}/api/webhook` });

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      stopping = true;
      clearInterval(drift);
      await new Promise<void>((r) => server.close(() => r()));
      // Graceful: let each worker finish its current step (its state is stored step by step).
      await Promise.all(loops);
      await Promise.all(inflight);
      db.close();
      log.info('gitferry serve stopped');
    })());
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.once(sig, () => void stop().then(() => process.exit(0)));
  return { url, token, stop };
}
