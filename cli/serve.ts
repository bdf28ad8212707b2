// `gitferry serve`: the whole control plane in one process, on the embedded store and queue.
import type { SourceLimits } from '../shared/runtime/source-limits.js';
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
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve as serveHttp } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { createApiApp } from '../shared/api/api-app.js';
import { redactingLogger, type Logger } from '../shared/ports/logger.js';
import { buildLocalRuntime, loadAppsDir, registerKubeconfigClusters } from '../shared/runtime/local.js';
import { readNotificationsFile } from '../shared/runtime/notifier.js';
import { startLocalWorkers } from '../shared/runtime/local-worker.js';
import { sqliteGroupCommit } from '../shared/runtime/group-commit.js';
import { buildAccess } from '../shared/runtime/access.js';
import { loadUiBundle } from '../shared/runtime/ui-bundle.js';
import { OidcSignIn, type OidcSettings } from '../shared/auth/oidc.js';
import { SessionCodec } from '../shared/auth/session.js';
import { GitferryError } from '../shared/domain/errors.js';
import { buildInfo } from './build-info.js';

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
  /** An RBAC policy file (Argo CD's policy.csv syntax) added to the built-in roles. */
  rbacPolicyFile?: string;
  /** The role every signed-in caller has (Argo CD's policy.default), e.g. role:readonly. */
  rbacDefaultRole?: string;
  /** Sign-in with an OpenID provider (browsers at /auth/login, bearer JWTs for the CLI). */
  oidc?: OidcSettings & {
    /** Gitferry's URL as browsers reach it. @default the listen URL */
    publicUrl?: string;
  };
  /** A sync still running after this long is ended (default 30 min). */
  syncTimeoutSeconds?: number;
  /** The checkout and render budgets (the operator's --repo-max-files); default defaultSourceLimits. */
  sourceLimits?: SourceLimits;
  /** Custom Lua health checks: a directory of `<group>_<Kind>.lua` files or an argocd-cm file. */
  healthChecks?: string;
  /** Applications and AppProjects rendered into this namespace become child apps (default argocd). */
  argoNamespace?: string;
  /** Notification services and templates (docs/notifications.md); none by default. */
  notificationsFile?: string;
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
    if (alive)
      throw new GitferryError(
        'serve:data-dir-in-use',
        `data dir ${dir} is in use by another gitferry serve (pid ${pid})`,
      );
  }
  writeFileSync(pidFile, String(process.pid));
}

/** The key session cookies are signed with: 32 random bytes kept in the data dir (0600). */
function sessionKey(dataDir: string): Buffer {
  const file = join(dataDir, 'session-key');
  const key = existsSync(file)
    ? Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url')
    : randomBytes(32);
  writePrivateFile(file, `${key.toString('base64url')}\n`);
  return key;
}

/** Cookies go without Secure only when browsers reach Gitferry over http on loopback. */
function isLoopbackHttp(url: string): boolean {
  const u = new URL(url);
  return u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
}

/**
 * The built web UI: dist/ui beside the CLI bundle (dist/cli/…), or the checkout's dist/ui when run
 * from source (bin/gitferry builds both when stale).
 */
function webUi(log: Logger) {
  for (const rel of ['../ui', '../dist/ui']) {
    const ui = loadUiBundle(fileURLToPath(new URL(rel, import.meta.url)));
    if (ui) return ui;
  }
  log.warn('the web UI is not built (npm run build): serving the API only');
  return undefined;
}

export async function serve(opts: ServeOptions): Promise<RunningServer> {
  const log = redactingLogger(opts.log ?? consoleLogger);
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  claimDataDir(opts.dataDir);
  const rt = buildLocalRuntime({
    ...opts,
    log,
    notifications: readNotificationsFile(opts.notificationsFile),
  });
  const { store, queue, secrets } = rt;
  // One process owns this data dir: any lease in it belongs to a previous run of this process.
  const wakeUps = rt.wakeUps(log, `serve-${process.pid}-${randomBytes(4).toString('hex')}`);

  if (rt.kubeconfig)
    log.info('clusters registered from kubeconfig', { clusters: await registerKubeconfigClusters(rt, log) });
  log.info('Lua health checks', { kinds: rt.health.kinds() });
  if (opts.appsDir) log.info('apps loaded', { apps: await loadAppsDir(opts.appsDir, rt, log) });

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
  const oidc = opts.oidc ? await OidcSignIn.discover(opts.oidc) : undefined;
  const publicUrl = opts.oidc?.publicUrl ?? `http://${opts.host}:${opts.port}`;
  const sessions = oidc
    ? new SessionCodec({ key: sessionKey(opts.dataDir), secure: !isLoopbackHttp(publicUrl) })
    : undefined;
  const access = await buildAccess(
    {
      adminToken: token,
      rbacPolicyFile: opts.rbacPolicyFile,
      defaultRole: opts.rbacDefaultRole,
      bearer: oidc ? [oidc.bearerCheck()] : [],
      session: sessions,
      store,
      // The socket's peer: behind a proxy this is the proxy (X-Forwarded-For is not trusted).
      sourceOf: (c) => getConnInfo(c).remote.address,
    },
    log,
  );
  const webhookDurability = sqliteGroupCommit(rt.db);
  const api = createApiApp({
    store,
    queue,
    controller: wakeUps,
    log,
    now: Date.now,
    token,
    access,
    signIn: oidc && sessions ? { oidc, sessions, publicUrl, authenticator: access.authenticator } : undefined,
    writeSecret: (name, value) => secrets.put(name, value),
    clusters: { server: rt.clusterServers },
    inspect: rt.inspector(log),
    buildInfo: buildInfo(),
    ui: webUi(log),
    changes: rt.changes,
    listApps: () => rt.catalog.list(),
    listedStatus: (app) => rt.listedStatuses.get(app),
    webhookDurability,
    appsForPush: (event) => rt.catalog.forPush(event),
    webhookSecrets: async () => ({
      github: await secrets.get('webhooks/github'),
      gitlab: await secrets.get('webhooks/gitlab'),
    }),
  });
  const workers = startLocalWorkers(rt, wakeUps, log, {
    workers: opts.workers,
    driftIntervalMs: opts.driftIntervalMs ?? 180_000,
    preview: rt.previews(log),
  });

  const server = await new Promise<ReturnType<typeof serveHttp>>((resolve) => {
    const s = serveHttp({ fetch: api.fetch, port: opts.port, hostname: opts.host }, () => resolve(s));
  });
  // Keep-alive connections outlive a busy moment: with Node's 5 s default, a server that is slow
  // to read the next request closes the socket just as a client reuses it, and the client sees
  // ECONNRESET (50 API clients at once did). Headers still have to arrive within their timeout.
  if ('keepAliveTimeout' in server) {
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
  }
  const address = server.address();
  const url = `http://${opts.host}:${typeof address === 'object' && address ? address.port : opts.port}`;
  log.info('gitferry serve is up', { url, dataDir: opts.dataDir, tokenFile, webhook: `${url}/api/webhook` });

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await new Promise<void>((r) => server.close(() => r()));
      // Graceful: let each worker finish its current step (its state is stored step by step).
      await workers.stop();
      await webhookDurability.close();
      rt.db.close();
      log.info('gitferry serve stopped');
    })());
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.once(sig, () => void stop().then(() => process.exit(0)));
  return { url, token, stop };
}
