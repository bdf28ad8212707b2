import { windowClosedMessage, windowFactsOf } from '../control/sync-windows.js';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { etag } from 'hono/etag';
import { streamSSE } from 'hono/streaming';
import { listedStatusOf, type InitiatedBy, type ListedStatus } from '../domain/status.js';
import type { BlankEnv } from 'hono/types';
import type { App } from '../domain/app.js';
import { byName, defaultProject } from '../domain/app.js';
import { dependencyCycleProblem, waitsForOthers } from '../domain/app-dependencies.js';
import { parseApplication, parseAppProjectManifest } from '../domain/application-manifest.js';
import { redact, redactDeep } from '../domain/redact.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { Logger } from '../ports/logger.js';
import type { StateStore } from '../ports/state-store.js';
import type { ClusterServerPolicy } from '../control/cluster-registration.js';
import { registerCluster } from '../control/cluster-registration.js';
import { withConnectionStates } from '../control/cluster-connection-report.js';
import type { AppDeleter } from '../control/delete-app.js';
import type { OperationTerminator } from '../control/terminate-operation.js';
import type { Control } from '../control/deps.js';
import { liveManifests, podLogs, renderedManifests } from '../control/inspect.js';
import { intakePush } from '../control/push-intake.js';
import { requestManualSync, requestRefresh, rollback, saveApp, unpin } from '../control/requests.js';
import { parseWebhook, type WebhookSecrets } from '../webhooks/detect.js';
import { intakePullRequest } from '../preview/intake.js';
import { bodyTooLarge } from '../webhooks/request.js';
import { WebhookError, defaultWebhookOptions } from '../webhooks/types.js';
import { defaultWebhookDeadlineMs, withDeadline } from '../webhooks/deadline.js';
import type { PushEvent } from '../webhooks/types.js';
import { Authenticator } from '../auth/authenticate.js';
import { projectRolesPolicy } from '../auth/project-roles.js';
import { Rbac } from '../auth/rbac.js';
import { addAccessRoutes } from './access-routes.js';
import type { AppChanges } from './app-changes.js';
import { addUiRoutes, type UiBundle } from './ui-routes.js';
import { authRoutes, type SignInDeps } from './auth-routes.js';
import {
  authenticate,
  authorize,
  callerOf,
  recordPush,
  visibilityFor,
  visibleTo,
  type AccessControl,
} from './authorize.js';
import { capBody } from './body-cap.js';
import * as routes from './openapi.js';
import { addRoute as route, describeApi } from './openapi.js';
import { ProblemError, invalidRequest, problem, problemOf } from './problems.js';
import { apiBodyTooLarge, maxApiBodyBytes, readJson, readManifest } from './request-body.js';

export { maxApiBodyBytes, maxApiBodyNodes } from './request-body.js';

export interface ApiDeps {
  store: StateStore;
  queue: JobQueue;
  /**
   * Cascade deletes and terminate-op run under the app's lease (a WakeUpHandler, or appDeleterOf
   * on the API function).
   */
  controller: AppDeleter & OperationTerminator;
  log: Logger;
  now: () => number;
  /** Bearer token required on /api/v1 (local mode); undefined when the platform authenticates (IAM). */
  token?: string;
  /** Where cluster tokens go when a cluster is added with a token (local mode); undefined on AWS. */
  writeSecret?: (name: string, value: string) => Promise<void>;
  /**
   * How registered clusters are judged: the prefix of their own token secrets (default
   * `clusters/`) and the URL guard their servers pass (default: nothing internal allowed).
   */
  clusters?: { secretPrefix?: string; server: ClusterServerPolicy };
  webhookSecrets?: () => Promise<WebhookSecrets>;
  /**
   * Who may do what (sign-in and RBAC). Default: `token` is an admin, or, without a token, every
   * caller the platform let in (IAM) is; the built-in roles only.
   */
  access?: AccessControl;
  /** Browser sign-in with an OpenID provider (/auth/login, /auth/callback, /auth/logout). */
  signIn?: SignInDeps;
  /**
   * Read-only views on the clusters (`app manifests`, `app logs`): the use cases' deps. Absent
   * where the API has no cluster access (the API function on AWS today): those routes answer 501.
   */
  inspect?: Control;
  /** What GET /api/v1/version answers (besides the Node version). */
  buildInfo?: { version: string; commit: string; [key: string]: string };
  /** The built web UI, served at `/` (absent: no UI, the API alone). */
  ui?: UiBundle;
  /** App changes as they happen (gitferry serve): GET /api/v1/stream. Absent: 501, clients poll. */
  changes?: AppChanges;
  /** The webhook's answer leaves within this (default 8 s; GitHub gives up after 10 s). */
  webhookDeadlineMs?: number;
  /** The apps a push concerns, from an index (gitferry serve); default: a scan of every app. */
  appsForPush?: (event: PushEvent) => Promise<App[]>;
  /**
   * How the webhook's writes reach the disk (gitferry serve: one shared sync per batch of pushes,
   * runtime/group-commit.ts); default: the store's own, commit by commit.
   */
  webhookDurability?: { wrap<T extends object>(target: T): T; flush(): Promise<void> };
  /** Every app sorted by name, kept between requests (gitferry serve); default: read per request. */
  listApps?: () => Promise<readonly App[]>;
  /** What the app list shows of an app's status, kept between requests (gitferry serve); default: read per request. */
  listedStatus?: (app: string) => Promise<ListedStatus>;
}

/** Heartbeat on an idle event stream, so proxies and browsers keep it open. */
const streamHeartbeatMs = 15_000;

/**
 * Entity tags on GETs (not the event stream): a client polling with If-None-Match gets a 304 and
 * no body while nothing changed (the web UI on AWS, where it polls).
 */
function etagOnReads(): MiddlewareHandler {
  const tag = etag();
  return (c, next) => (c.req.method === 'GET' && !c.req.path.endsWith('/stream') ? tag(c, next) : next());
}

/** A failure on the cluster or in the render behind a read-only view: a 502 saying what failed. */
async function upstream<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (problemOf(err)) throw err;
    throw new ProblemError(502, 'Bad Gateway', redact(`${what} failed: ${(err as Error).message}`));
  }
}

function defaultAccess(token: string | undefined): AccessControl {
  const authenticator = new Authenticator(token ? { adminToken: token } : { platformAuthenticated: true });
  let rbac: Promise<Rbac> | undefined;
  return { authenticator, rbac: () => (rbac ??= Rbac.create()) };
}

/** The caller as a sync's initiator (its history entry names them). */
function initiatorFrom(c: Context): InitiatedBy | undefined {
  const who = callerOf(c);
  if (!who) return undefined;
  return {
    username: who.subject,
    ...(who.groups.length ? { groups: who.groups } : {}),
    ...(who.tokenId ? { tokenId: who.tokenId } : {}),
  };
}

function summary(app: App, status: ListedStatus) {
  const s = app.sources[0]!;
  return {
    name: app.name,
    project: app.project,
    repoURL: s.repoURL,
    path: s.path ?? s.chart ?? '',
    targetRevision: s.targetRevision ?? 'HEAD',
    destination: app.destination,
    sync: status.sync,
    health: status.health,
    revision: status.revision,
    pinnedRevision: app.pinnedRevision,
    labels: app.labels ?? {},
    operation: status.operation && {
      phase: status.operation.phase,
      startedAt: status.operation.startedAt,
      finishedAt: status.operation.finishedAt,
    },
  };
}

const cursorPrefix = 'after:';
const cursorAfter = (name: string) => Buffer.from(`${cursorPrefix}${name}`).toString('base64url');

/** Where a listing goes on: after the app a cursor names, or (a cursor from before names) at an offset. */
interface CursorStart {
  after?: string;
  offset?: number;
}

/**
 * What a cursor says. It comes from the client, so a name no app can have (not a DNS name) is
 * refused with 400 rather than passed to the store.
 */
function cursorStart(cursor: string | undefined): CursorStart {
  if (!cursor) return {};
  const text = Buffer.from(cursor, 'base64url').toString();
  // Cursors before names: an offset, still read so a listing under way across an upgrade goes on.
  if (!text.startsWith(cursorPrefix)) {
    const offset = Number(text);
    return { offset: Number.isSafeInteger(offset) && offset > 0 ? offset : 0 };
  }
  const after = text.slice(cursorPrefix.length);
  // App names are DNS labels; any DNS name (dots, up to 253 characters) passes, the store's own bound.
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(after) || after.length > 253)
    throw new ProblemError(
      400,
      'Bad Request',
      'cursor: not one this API gave (it names no possible app)',
      'cursor',
    );
  return { after };
}

/** Where a page starts in `sorted` (by name). */
function startOf(sorted: readonly App[], start: CursorStart): number {
  if (start.offset !== undefined) return start.offset;
  if (start.after === undefined) return 0;
  const after = start.after;
  let [low, high] = [0, sorted.length];
  while (low < high) {
    const mid = (low + high) >> 1;
    if (byName(sorted[mid]!, { name: after }) <= 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * A page of the apps `visible` lets the caller see, from the cursor on: it reads only as far as
 * the page and the next visible app, not every app, so listing N apps page by page costs O(N),
 * not O(N²). The cursor names the page's last app, so apps added or removed meanwhile neither
 * repeat nor skip the apps that follow it.
 */
function page(
  sorted: readonly App[],
  limit: number,
  start: CursorStart,
  visible: (app: App) => boolean,
): { items: App[]; next?: string } {
  const items: App[] = [];
  let i = startOf(sorted, start);
  for (; i < sorted.length && items.length < limit; i++) if (visible(sorted[i]!)) items.push(sorted[i]!);
  while (i < sorted.length && !visible(sorted[i]!)) i++;
  return i < sorted.length ? { items, next: cursorAfter(items.at(-1)!.name) } : { items };
}

/**
 * The same page read from the store in name order, a chunk at a time (the page and one more, then
 * as much again while the caller sees too few), until the page is full and the next visible app
 * is found or the apps end. A caller who sees every app reads `limit + 1` apps.
 */
async function pageFromStore(
  store: Pick<StateStore, 'listAppsAfter'>,
  limit: number,
  after: string | undefined,
  visible: (app: App) => boolean,
): Promise<{ items: App[]; next?: string }> {
  const items: App[] = [];
  const chunk = limit + 1;
  for (let from = after; ;) {
    const read = await store.listAppsAfter(from, chunk);
    for (const app of read) {
      if (!visible(app)) continue;
      if (items.length === limit) return { items, next: cursorAfter(items.at(-1)!.name) };
      items.push(app);
    }
    if (read.length < chunk) return { items };
    from = read.at(-1)!.name;
  }
}

/**
 * The HTTP API: apps, projects and clusters; sync, refresh, diff, history, rollback, delete; and
 * the webhook endpoint. The same app runs on Lambda (behind IAM) and in `gitferry serve` (bearer token).
 */
export function createApiApp(deps: ApiDeps): Hono {
  const api = new OpenAPIHono<BlankEnv>();

  api.onError((err, c) => {
    // Webhook senders get the webhook's own answer shape (a JSON `error`), e.g. a 413 from capBody.
    if (err instanceof WebhookError) return c.json({ error: err.message }, err.httpStatus);
    const known = problemOf(err);
    if (known) return problem(c, known.status, known.title, known.message, known.field);
    deps.log.error('api request failed', { path: c.req.path, message: (err as Error).message });
    return problem(c, 500, 'Internal Server Error', 'the request failed; see the server log');
  });
  api.notFound((c) => problem(c, 404, 'Not Found', `no route for ${c.req.method} ${c.req.path}`));

  api.get('/healthz', (c) => c.json({ ok: true }));
  let document: unknown;
  api.get('/api/openapi.json', (c) => c.json((document ??= describeApi(api)) as object));

  const access = deps.access ?? defaultAccess(deps.token);

  // Capped before the signature is checked or anything parsed (safety item 3). Answered within
  // the deadline (GitHub gives up after 10 s): 503 when the wake-ups were not all sent by then.
  // The intake goes on after a 503 and its outcome stands: a late success is recorded (a
  // redelivery is then a duplicate), a late failure forgotten (a redelivery is new work), and a
  // redelivery meanwhile waits for it (control/push-intake.ts) — nothing accepted is lost.
  const webhookDeadlineMs = deps.webhookDeadlineMs ?? defaultWebhookDeadlineMs;
  const durability = deps.webhookDurability;
  const intakeStore = durability ? durability.wrap(deps.store) : deps.store;
  const intakeQueue = durability ? durability.wrap(deps.queue) : deps.queue;
  const intakeAccess = durability ? durability.wrap(access) : access;
  // Answered only once the intake's writes are on disk.
  const durable = async <T>(result: T) => (await durability?.flush(), result);
  api.post('/api/webhook', capBody(defaultWebhookOptions.maxBodyBytes, bodyTooLarge), async (c) => {
    const started = deps.now();
    const left = () => Math.max(1, webhookDeadlineMs - (deps.now() - started));
    const body = Buffer.from(await c.req.arrayBuffer());
    const headers: Record<string, string> = {};
    c.req.raw.headers.forEach((v, k) => (headers[k] = v));
    const intake = { store: intakeStore, queue: intakeQueue, log: deps.log, now: deps.now };
    try {
      const secrets = (await withDeadline(deps.webhookSecrets?.() ?? Promise.resolve({}), left())) ?? {};
      const outcome = parseWebhook({ headers, body }, secrets);
      if (outcome.kind === 'ignored') return c.json({ ignored: outcome.reason }, 200);
      if (outcome.kind === 'pull-request') {
        // A preview posts on the PR and changes nothing here: queued for the worker. A copy that
        // finds its first copy under way waits for it as long as its own deadline allows.
        const previewDeps = { ...intake, pendingWaitMs: left() };
        const queued = await withDeadline(
          intakePullRequest(outcome.event, previewDeps).then(durable),
          left(),
        );
        return c.json(
          {
            enqueued: queued.enqueued,
            duplicate: queued.duplicate,
            revision: outcome.event.headSha,
            preview: true,
          },
          queued.duplicate || queued.enqueued.length === 0 ? 200 : 202,
        );
      }
      const event = outcome.event;
      // A verified push is a caller too: the audit trail names the provider and delivery per app
      // (written when the wake-ups are sent, even after a 503).
      // A copy that finds its first copy under way waits for it as long as its own deadline allows.
      const pushDeps = { ...intake, appsFor: deps.appsForPush, pendingWaitMs: left() };
      const work = intakePush(event, pushDeps).then(async (result) => {
        await recordPush(intakeAccess, c, event, result.enqueued);
        return durable(result);
      });
      const result = await withDeadline(work, left());
      return c.json(
        { enqueued: result.enqueued, duplicate: result.duplicate, revision: event.sha },
        result.duplicate ? 200 : 202,
      );
    } catch (err) {
      if (err instanceof WebhookError) return c.json({ error: redact(err.message) }, err.httpStatus);
      deps.log.error('webhook not enqueued', { message: redact((err as Error).message) });
      return c.json({ error: 'not enqueued; please redeliver' }, 503);
    }
  });

  // Params and query that fail their schema are a 400 naming the field, like any other bad input.
  const v1 = new OpenAPIHono<BlankEnv>({
    defaultHook: (result) => {
      if (!result.success) throw invalidRequest(result.error);
    },
  });
  v1.use('*', authenticate(access));
  // After the token check: an unauthenticated caller gets 401 without a byte of its body read.
  v1.use('*', capBody(maxApiBodyBytes, apiBodyTooLarge));
  // Every route's permission, from one table (authorize.ts), before its handler runs.
  v1.use('*', authorize(access, deps.store));
  v1.use('*', etagOnReads());

  const appOr404 = async (name: string) => {
    const app = await deps.store.getApp(name);
    if (!app) throw new ProblemError(404, 'Not Found', `Application/${name} does not exist`);
    return app;
  };

  route(v1, routes.listApps, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const visible = await visibilityFor(c, access, (a: App) => ({
      resource: 'applications',
      action: 'get',
      object: `${a.project}/${a.name}`,
    }));
    const start = cursorStart(cursor);
    // Without a catalog in memory (Lambda), the store reads the page itself: a page costs a page.
    const p =
      deps.listApps || start.offset !== undefined
        ? page(
            deps.listApps ? await deps.listApps() : (await deps.store.listApps()).sort(byName),
            limit ?? 100,
            start,
            visible,
          )
        : await pageFromStore(deps.store, limit ?? 100, start.after, visible);
    const listed =
      deps.listedStatus ?? (async (name: string) => listedStatusOf(await deps.store.getStatus(name)));
    const items = await Promise.all(p.items.map(async (a) => summary(a, await listed(a.name))));
    return c.json({ items, next: p.next }, 200);
  });

  route(v1, routes.createApp, async (c) => {
    const { app, warnings } = parseApplication(await readManifest(c));
    if (!c.req.valid('query').upsert && (await deps.store.getApp(app.name)))
      throw new ProblemError(
        409,
        'Conflict',
        `Application/${app.name} already exists (use upsert to replace it)`,
      );
    // Only an app that waits for others can close a cycle: the others are not read for any other.
    const cycle = waitsForOthers(app) ? dependencyCycleProblem(app, await deps.store.listApps()) : undefined;
    if (cycle) throw new ProblemError(422, 'Invalid Application', cycle);
    const { created, result } = await saveApp(deps, app);
    return c.json({ app, warnings, result }, created ? 201 : 200);
  });

  route(v1, routes.getApp, async (c) => {
    const app = await appOr404(c.req.valid('param').name);
    const [status, operation] = await Promise.all([
      deps.store.getStatus(app.name),
      deps.store.getOperation(app.name),
    ]);
    return c.json(
      {
        app,
        // Redacted on the way out too: records written before redaction at the source still answer clean.
        status: status && redactDeep(status),
        operationInProgress: operation
          ? { runId: operation.runId, revision: operation.revision, attempt: operation.attempt }
          : undefined,
      },
      200,
    );
  });

  route(v1, routes.deleteApp, async (c) => {
    const app = await appOr404(c.req.valid('param').name);
    const { cascade, propagationPolicy } = c.req.valid('query');
    const result = await deps.controller.deleteApp(app.name, {
      cascade: cascade ?? true,
      propagationPolicy:
        propagationPolicy === 'background'
          ? 'Background'
          : propagationPolicy === 'orphan'
            ? 'Orphan'
            : 'Foreground',
    });
    return c.json(result, 200);
  });

  route(v1, routes.syncApp, async (c) => {
    const app = await appOr404(c.req.valid('param').name);
    const body = await readJson(c, routes.syncApp);
    // A sync window that keeps even manual syncs out (a deny window without manualSync) refuses now.
    const project =
      (await deps.store.getProject(app.project)) ?? (app.project === 'default' ? defaultProject : undefined);
    const cluster = await deps.store.getCluster(app.destination.name ?? app.destination.server ?? '');
    const manual = project && windowFactsOf(app, project, cluster, deps.now())?.manual;
    if (manual && !manual.open)
      throw new ProblemError(409, 'Conflict', `Application/${app.name}: ${windowClosedMessage(manual)}`);
    const requestedAt = await requestManualSync(deps, app.name, body, initiatorFrom(c));
    return c.json({ requested: true as const, requestedAt }, 202);
  });

  route(v1, routes.terminateOperation, async (c) => {
    const app = await appOr404(c.req.valid('param').name);
    return c.json(await deps.controller.terminateOperation(app.name), 200);
  });

  route(v1, routes.refreshApp, async (c) => {
    const app = await appOr404(c.req.valid('param').name);
    const requestedAt = await requestRefresh(deps, app.name);
    return c.json({ requested: true as const, requestedAt }, 202);
  });

  route(v1, routes.appDiff, async (c) => {
    const app = await appOr404(c.req.valid('param').name);
    const status = await deps.store.getStatus(app.name);
    return c.json(
      redactDeep({ sync: status?.sync, drift: status?.drift, resources: status?.resources ?? [] }),
      200,
    );
  });

  route(v1, routes.appHistory, async (c) => {
    const app = await appOr404(c.req.valid('param').name);
    const query = c.req.valid('query');
    const limit = query.limit ?? Math.min(100, Math.max(1, Number(app.revisionHistoryLimit) || 10));
    // Supersessions were never applied: they are listed only when asked for, so the history
    // (where rollback ids are picked) shows `limit` deployed runs however many were recorded.
    const runs = await deps.store.listRuns(app.name, limit, { includeSuperseded: query.superseded === true });
    // With results=true each run carries its per-object outcome (hooks included; diffs masked).
    return c.json(
      {
        items: runs.map(({ results, ...r }) => ({
          ...redactDeep(r),
          resources: results.length,
          ...(query.results === true ? { results: redactDeep(results) } : {}),
        })),
      },
      200,
    );
  });

  route(v1, routes.rollbackApp, async (c) => {
    const app = await appOr404(c.req.valid('param').name);
    const { id } = await readJson(c, routes.rollbackApp);
    const target = await rollback(deps, app, id, initiatorFrom(c));
    return c.json({ pinnedRevision: target.revision, historyId: target.id }, 202);
  });

  route(v1, routes.unpinApp, async (c) => {
    const app = await appOr404(c.req.valid('param').name);
    await unpin(deps, app);
    return c.json({ pinnedRevision: null }, 200);
  });

  const inspectOr501 = () => {
    if (!deps.inspect)
      throw new ProblemError(501, 'Not Implemented', 'this server has no cluster access for read-only views');
    return deps.inspect;
  };

  route(v1, routes.appManifests, async (c) => {
    const app = await appOr404(c.req.valid('param').name);
    const control = inspectOr501();
    const source = c.req.valid('query').source ?? 'git';
    if (source === 'live') {
      const items = await upstream(`Application/${app.name} live manifests`, () =>
        liveManifests(control, app),
      );
      return c.json({ source, items }, 200);
    }
    const synced = (await deps.store.getStatus(app.name))?.sync.revision;
    const { revision, objects } = await upstream(`Application/${app.name} render`, () =>
      renderedManifests(control, app, app.pinnedRevision ?? synced),
    );
    return c.json({ source, revision, items: objects }, 200);
  });

  route(v1, routes.appLogs, async (c) => {
    const app = await appOr404(c.req.valid('param').name);
    const control = inspectOr501();
    const { logs, truncated } = await upstream(`Application/${app.name} logs`, () =>
      podLogs(control, app, c.req.valid('query')),
    );
    return c.json({ items: logs, truncated }, 200);
  });

  route(v1, routes.serverVersion, async (c) =>
    c.json(
      {
        name: 'gitferry' as const,
        version: 'unknown',
        commit: 'unknown',
        ...deps.buildInfo,
        node: process.version,
      },
      200,
    ),
  );

  route(v1, routes.listProjects, async (c) => {
    const items = await visibleTo(c, access, await deps.store.listProjects(), (p) => ({
      resource: 'projects',
      action: 'get',
      object: p.name,
    }));
    return c.json({ items }, 200);
  });

  route(v1, routes.createProject, async (c) => {
    const { project, warnings } = parseAppProjectManifest(await readManifest(c));
    projectRolesPolicy(project); // a role line reaching outside its project refuses the project
    await deps.store.putProject(project);
    // The project as stored, plus the fields it ignores (e.g. roles[].jwtTokens), so nobody relies on them.
    return c.json({ ...project, warnings }, 201);
  });

  route(v1, routes.getProject, async (c) => {
    const { name } = c.req.valid('param');
    const project = await deps.store.getProject(name);
    if (!project) throw new ProblemError(404, 'Not Found', `AppProject/${name} does not exist`);
    return c.json(project, 200);
  });

  route(v1, routes.listClusters, async (c) => {
    const [clusters, states] = await Promise.all([deps.store.listClusters(), deps.store.listClusterStates()]);
    const items = await visibleTo(c, access, clusters, (k) => ({
      resource: 'clusters',
      action: 'get',
      object: k.name,
    }));
    return c.json({ items: withConnectionStates(items, states) }, 200);
  });

  route(v1, routes.registerCluster, async (c) => {
    // Only the fields a caller may set (the schema has no insecureSkipVerify: that comes from an
    // admin's kubeconfig alone); registerCluster judges their values.
    const cluster = await registerCluster(await readJson(c, routes.registerCluster), {
      store: deps.store,
      writeSecret: deps.writeSecret,
      secretPrefix: deps.clusters?.secretPrefix,
      server: deps.clusters?.server ?? { guard: {} },
    });
    return c.json(cluster, 201);
  });

  route(v1, routes.removeCluster, async (c) => {
    const { name } = c.req.valid('param');
    const users = (await deps.store.listApps())
      .filter((a) => (a.destination.name ?? a.destination.server) === name)
      .map((a) => a.name);
    if (users.length > 0)
      throw new ProblemError(409, 'Conflict', `Cluster/${name} is the destination of ${users.join(', ')}`);
    await deps.store.deleteCluster(name);
    return c.json({ deleted: name }, 200);
  });

  route(v1, routes.canI, async (c) => {
    const { resource, action, object } = c.req.valid('param');
    const who = callerOf(c);
    const yes = who !== undefined && (await access.rbac()).can(who, { resource, action, object });
    return c.json({ value: yes ? ('yes' as const) : ('no' as const) }, 200);
  });

  route(v1, routes.appStream, async (c) => {
    const changes = deps.changes;
    if (!changes)
      throw new ProblemError(501, 'Not Implemented', 'this server cannot hold a stream: poll with ETags');
    // Only a client that asks for a stream gets one (an event stream never ends: a plain GET
    // reading to the end, a crawler or a fuzzer, would hang on it).
    if (!(c.req.header('accept') ?? '').includes('text/event-stream'))
      throw new ProblemError(
        406,
        'Not Acceptable',
        'GET /api/v1/stream answers Accept: text/event-stream only',
      );
    const who = callerOf(c)!;
    return streamSSE(c, async (stream) => {
      const pending = new Set<string>();
      let wake: (() => void) | undefined;
      const unsubscribe = changes.subscribe((app) => {
        pending.add(app);
        wake?.();
      });
      stream.onAbort(() => wake?.());
      try {
        await stream.writeSSE({ event: 'hello', data: '{}' });
        while (!stream.aborted) {
          await new Promise<void>((resolve) => {
            const heartbeat = setTimeout(resolve, streamHeartbeatMs);
            wake = () => {
              clearTimeout(heartbeat);
              resolve();
            };
          });
          wake = undefined;
          if (stream.aborted) break;
          if (pending.size === 0) {
            await stream.writeSSE({ event: 'ping', data: '{}' });
            continue;
          }
          const names = [...pending];
          pending.clear();
          const rbac = await access.rbac();
          for (const name of names) {
            // Only apps the caller may get; a deleted app's name goes to whoever may get every app.
            const app = await deps.store.getApp(name);
            const object = `${app?.project ?? '*'}/${name}`;
            if (rbac.can(who, { resource: 'applications', action: 'get', object }))
              await stream.writeSSE({ event: 'change', data: JSON.stringify({ app: name }) });
          }
        }
      } finally {
        unsubscribe();
      }
    });
  });

  addAccessRoutes(v1, deps.store, access.revocations);
  api.route('/api/v1', v1);
  if (deps.signIn) api.route('/auth', authRoutes({ revocations: access.revocations, ...deps.signIn }));
  if (deps.ui) addUiRoutes(api, deps.ui);
  return api;
}
