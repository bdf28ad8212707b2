// The local runtime of `gitferry serve`: the SQLite store and queue, file secrets, the renderer,
// the cluster connectors and the use cases, built from one data dir. Like runtime/aws.ts, the
// only place that knows adapters and control together.
import { defaultSourceLimits, type SourceLimits } from '../source/types.js';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ClusterConnectorRouter } from '../adapters/cluster/cluster-connector-router.js';
import { TokenClusterConnector } from '../adapters/cluster/token-cluster-connector.js';
import { EksClusterConnector } from '../adapters/aws/eks-cluster-connector.js';
import { openDatabase } from '../adapters/local/sqlite-database.js';
import { SqliteJobQueue } from '../adapters/local/sqlite-job-queue.js';
import { SqliteStateStore } from '../adapters/local/sqlite-state-store.js';
import { FileSecretStore } from '../adapters/local/file-secret-store.js';
import { registerCluster } from '../control/cluster-registration.js';
import { repoCredentialsResolver } from '../control/repo-credentials.js';
import { controlOf } from '../control/deps.js';
import { WakeUpHandler } from '../control/wake-up.js';
import { dependencyCycleProblem, waitsForOthers } from '../domain/app-dependencies.js';
import { parseApplication, parseAppProjectManifest } from '../domain/application-manifest.js';
import { ClusterConfigError } from '../domain/cluster-credentials.js';
import { GitferryError } from '../domain/errors.js';
import type { ClusterServerPolicy } from '../engine/cluster-server.js';
import { systemClock } from '../ports/clock.js';
import { silentLogger, type Logger } from '../ports/logger.js';
import { GitCheckoutCache } from '../source/git.js';
import { SourceRenderer } from '../source/render.js';
import { parseManifests } from '../source/yaml.js';
import { AppChangeFeed } from './app-change-feed.js';
import { AppCatalog } from './app-catalog.js';
import { ListedStatuses } from './listed-statuses.js';
import { buildHealthChecks } from './health-checks.js';
import { buildNotifier } from './notifier.js';
import { buildPreviewer } from './preview.js';
import { runPreviewJob } from '../preview/run-preview.js';
import { ClusterConnectionReport } from '../control/cluster-connection-report.js';
import { ClusterSessions } from '../control/cluster-sessions.js';
import type { SyncJob } from '../domain/sync-job.js';

export interface LocalRuntimeOptions {
  dataDir: string;
  /** A kubeconfig whose token users become clusters, and whose servers are trusted as named. */
  kubeconfig?: string;
  tools?: { helm: string; kustomize: string; jsonnet?: string };
  /** Hosts the URL guard lets through (a git server on this machine, say). */
  allowedHosts?: string[];
  /** A sync still running after this long is ended (its running hooks deleted); default 30 min. */
  syncTimeoutSeconds?: number;
  /** Checkout and render budgets (files, bytes, time); default defaultSourceLimits. */
  sourceLimits?: SourceLimits;
  /** Custom Lua health checks: a directory of `<group>_<Kind>.lua` files or an argocd-cm file. */
  healthChecks?: string;
  /** Applications and AppProjects rendered into this namespace become child apps (default argocd). */
  argoNamespace?: string;
  /** Notification services and templates (argocd-notifications-cm shape): the text of `--notifications FILE`. */
  notifications?: string;
  /** Where the runtime's own background work logs (recording cluster connection states). */
  log?: Logger;
}

/**
 * helm, kustomize and jsonnet: GITFERRY_HELM / GITFERRY_KUSTOMIZE / GITFERRY_JSONNET, else the test bed's cache (where
 * `npm start` builds them), else /usr/local/bin.
 */
export function defaultToolPath(name: 'helm' | 'kustomize' | 'jsonnet'): string {
  const fromEnv = process.env[`GITFERRY_${name.toUpperCase()}`];
  if (fromEnv) return fromEnv;
  const cached = join(process.env.HOME ?? '', '.cache', 'gitferry-testbed', 'bin', name);
  return existsSync(cached) ? cached : `/usr/local/bin/${name}`;
}

export function buildLocalRuntime(opts: LocalRuntimeOptions) {
  const db = openDatabase(join(opts.dataDir, 'gitferry.db'));
  // Every write a view shows is announced (GET /api/v1/stream, the web UI's live updates).
  const changes = new AppChangeFeed();
  // The apps as one sorted list and a map by repository, read again only after an app is written.
  const catalog = new AppCatalog();
  const listedStatuses = new ListedStatuses();
  const store = changes.observe(listedStatuses.watch(catalog.watch(new SqliteStateStore(db))));
  const queue = new SqliteJobQueue(db, { visibilityTimeoutSeconds: 120, maxReceiveCount: 5 });
  const secrets = new FileSecretStore(join(opts.dataDir, 'secrets'));
  const guard = { allowedHosts: opts.allowedHosts ?? [] };
  const limits = opts.sourceLimits ?? defaultSourceLimits;
  const checkouts = new GitCheckoutCache(join(opts.dataDir, 'cache', 'checkouts'), {
    http: { guard },
    limits,
  });
  const renderer = new SourceRenderer(checkouts, {
    workRoot: join(opts.dataDir, 'cache', 'renders'),
    limits,
    tools: opts.tools ?? {
      helm: defaultToolPath('helm'),
      kustomize: defaultToolPath('kustomize'),
      jsonnet: defaultToolPath('jsonnet'),
    },
    guard,
  });
  // The servers of the admin's own kubeconfig are trusted as named (a kind cluster on 127.0.0.1);
  // every other server, API registrations included, passes the URL guard.
  // The admin's kubeconfig is read with client-node's KubeConfig (every form the file may take);
  // the engine itself builds connections from plain data (engine/kubeconfig.ts).
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
  const credentials = repoCredentialsResolver([], secrets);
  const health = buildHealthChecks(opts.healthChecks);
  const notifier = buildNotifier(opts.notifications, secrets, guard);
  // One for the process, whatever handlers it makes: cluster sessions and their breakers.
  // What they see of each cluster is recorded for the cluster list.
  const clusterReport = new ClusterConnectionReport(store, opts.log ?? silentLogger);
  const clusters = new ClusterSessions({ report: clusterReport });
  /** The use cases for one process (holder names it in leases). */
  const wakeUps = (log: Logger, holder: string) =>
    new WakeUpHandler({
      clusters,
      store,
      queue,
      connector,
      renderer,
      credentials,
      clock: systemClock,
      log,
      holder,
      notifier,
      // One process, no per-invocation cost: look at waits and Progressing apps often (2 s, then
      // 5 s), keep a lease past a long step.
      options: {
        guard,
        leaseTtlMs: 90_000,
        backoffSeconds: [2, 5],
        engine: { health },
        ...(opts.syncTimeoutSeconds ? { syncTimeoutMs: opts.syncTimeoutSeconds * 1000 } : {}),
        ...(opts.argoNamespace ? { argoNamespace: opts.argoNamespace } : {}),
      },
    });
  const previewer = buildPreviewer(opts.notifications, secrets, guard);
  /** Pull-request previews (preview jobs on the queue), or none when not configured. */
  const previews = (log: Logger) => {
    if (!previewer) return undefined;
    const deps = previewer(
      controlOf({
        store,
        queue,
        connector,
        renderer,
        credentials,
        clock: systemClock,
        log,
        holder: 'preview',
        clusters,
        options: { guard, engine: { health } },
      }),
    );
    return (job: SyncJob) => runPreviewJob(deps, job);
  };
  /** The use cases' deps for read-only views (the API's `app manifests`, `app logs`). */
  const inspector = (log: Logger) =>
    controlOf({
      store,
      queue,
      connector,
      renderer,
      credentials,
      clock: systemClock,
      log,
      holder: 'inspect',
      clusters,
      options: {
        guard,
        engine: { health },
        ...(opts.argoNamespace ? { argoNamespace: opts.argoNamespace } : {}),
      },
    });
  return {
    db,
    store,
    catalog,
    listedStatuses,
    changes,
    queue,
    secrets,
    renderer,
    connector,
    credentials,
    guard,
    clusterServers,
    kubeconfig,
    wakeUps,
    health,
    notifier,
    inspector,
    previews,
    clusterReport,
  };
}

export type LocalRuntime = ReturnType<typeof buildLocalRuntime>;

/**
 * Token users of a kubeconfig become registered clusters (named by context), through the same
 * checks as the API's registrations; other contexts are skipped, said so.
 */
export async function registerKubeconfigClusters(rt: LocalRuntime, log: Logger): Promise<string[]> {
  const kc = rt.kubeconfig;
  if (!kc) return [];
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
        {
          store: rt.store,
          writeSecret: (name, value) => rt.secrets.put(name, value),
          server: rt.clusterServers,
        },
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

/** Loads Application and AppProject manifests from a directory (every *.yaml/*.yml/*.json). */
export async function loadAppsDir(dir: string, rt: LocalRuntime, log: Logger): Promise<string[]> {
  const loaded: string[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => /\.(ya?ml|json)$/.test(f))
    .sort()) {
    // The same bounded, go-yaml-v2 reading as every manifest Gitferry renders (one YAML policy).
    const docs = parseManifests(readFileSync(join(dir, file), 'utf8'), file).map((m) => m.object);
    for (const doc of docs as { kind?: string }[]) {
      try {
        if (doc?.kind === 'AppProject') {
          const { project, warnings } = parseAppProjectManifest(doc);
          for (const w of warnings) log.warn(`${file}: AppProject/${project.name}: ${w}`);
          await rt.store.putProject(project);
        }
        if (doc?.kind !== 'Application') continue;
        const { app, warnings } = parseApplication(doc);
        for (const w of warnings) log.warn(`${file}: Application/${app.name}: ${w}`);
        const cycle = waitsForOthers(app)
          ? dependencyCycleProblem(app, await rt.store.listApps())
          : undefined;
        if (cycle) throw new GitferryError('app:dependency-cycle', cycle);
        await rt.store.putApp(app);
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
