import { timingSafeEqual, createHash } from 'node:crypto';
import { Hono, type Context } from 'hono';
import type { App } from '../domain/app.js';
import { parseApplication, parseAppProjectManifest } from '../domain/application-manifest.js';
import { ClusterConfigError } from '../domain/cluster-credentials.js';
import { GitferryError } from '../domain/errors.js';
import { redact, redactDeep } from '../domain/redact.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { Logger } from '../ports/logger.js';
import type { StateStore } from '../ports/state-store.js';
import type { ClusterServerPolicy } from '../control/cluster-registration.js';
import { registerCluster, type ClusterRegistration } from '../control/cluster-registration.js';
import type { WakeUpHandler } from '../control/wake-up.js';
import { SourceError } from '../source/errors.js';
import { parseYamlValue } from '../source/yaml.js';
import { intakePush } from '../control/push-intake.js';
import { parseWebhook, type WebhookSecrets } from '../webhooks/detect.js';
import { bodyTooLarge } from '../webhooks/request.js';
import { WebhookError, defaultWebhookOptions } from '../webhooks/types.js';
import { capBody } from './body-cap.js';
import { openApiDocument } from './openapi.js';

/** Bytes of an API request body: an Application or AppProject manifest is a few KiB. */
export const maxApiBodyBytes = 1024 * 1024;
/**
 * Nodes a YAML body may expand to. 1 MiB of YAML without aliases holds at most about 2 million;
 * a real Application, even with a large `helm.valuesObject`, holds thousands.
 */
export const maxApiBodyNodes = 100_000;

export interface ApiDeps {
  store: StateStore;
  queue: JobQueue;
  controller: WakeUpHandler;
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
}

/** An RFC 9457 problem, answered as application/problem+json. */
class Problem extends GitferryError {
  constructor(
    readonly status: 400 | 401 | 404 | 409 | 413 | 422 | 501,
    readonly title: string,
    detail: string,
    /** The request field at fault, when one is (an RFC 9457 extension member). */
    readonly field?: string,
  ) {
    super(`api:${status}`, detail);
  }
}

/** Details quote what callers and tools said (YAML errors, URLs): credentials are taken out. */
function problem(c: Context, status: number, title: string, detail: string, field?: string) {
  const body = {
    type: 'about:blank',
    title,
    status,
    detail: redact(detail),
    ...(field === undefined ? {} : { field }),
  };
  return c.body(JSON.stringify(body), status as 400, {
    'content-type': 'application/problem+json',
  });
}

function tokenMatches(given: string, expected: string): boolean {
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(given), h(expected));
}

async function readManifest(c: Context): Promise<unknown> {
  // The body was capped in bytes as it arrived (capBody); here its YAML aliases are bounded.
  const text = await c.req.text();
  const json = (c.req.header('content-type') ?? '').includes('json');
  try {
    return json ? JSON.parse(text) : parseYamlValue(text, 'body', maxApiBodyNodes);
  } catch (err) {
    // `body:line:column: reason`, or `body expands to more than … nodes`; never the body's text.
    if (err instanceof SourceError) throw new Problem(400, 'Bad Request', err.message);
    throw new Problem(
      400,
      'Bad Request',
      `the body is not valid ${json ? 'JSON' : 'YAML'}: ${parseErrorDetail(err)}`,
    );
  }
}

function apiBodyTooLarge(maxBytes: number): Problem {
  return new Problem(413, 'Payload Too Large', `request bodies are limited to ${maxBytes} bytes`);
}

/**
 * Why a body did not parse, without quoting it: js-yaml's message shows a snippet of the lines
 * around the error and JSON.parse the start of the text, which cuts a credential short of
 * anything redaction could recognise. The reason and the position say enough.
 */
function parseErrorDetail(err: unknown): string {
  const e = err as { reason?: unknown; mark?: { line?: number; column?: number }; message?: string };
  if (typeof e.reason === 'string' && e.mark)
    return `${e.reason} (line ${(e.mark.line ?? 0) + 1}, column ${(e.mark.column ?? 0) + 1})`;
  return String(e.message ?? err).replace(/,? ?"(?:[^"\\]|\\.)*"(?:\.\.\.)?(?= is not valid JSON)/, '');
}

async function readJson<T>(c: Context): Promise<T> {
  const text = await c.req.text();
  if (text.trim() === '') return {} as T;
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('expected an object');
    return v as T;
  } catch (err) {
    throw new Problem(400, 'Bad Request', `the body is not a JSON object: ${(err as Error).message}`);
  }
}

function summary(app: App, status: Awaited<ReturnType<StateStore['getStatus']>>) {
  const s = app.sources[0]!;
  return {
    name: app.name,
    project: app.project,
    repoURL: s.repoURL,
    path: s.path ?? s.chart ?? '',
    targetRevision: s.targetRevision ?? 'HEAD',
    destination: app.destination,
    sync: status?.sync.status ?? 'Unknown',
    health: status?.health.status ?? 'Unknown',
    revision: status?.sync.revision,
    pinnedRevision: app.pinnedRevision,
  };
}

function page<T>(
  items: T[],
  limitParam: string | undefined,
  cursor: string | undefined,
): { items: T[]; next?: string } {
  const limit = Math.min(500, Math.max(1, Number(limitParam ?? 100) || 100));
  const start = cursor ? Number(Buffer.from(cursor, 'base64url').toString()) || 0 : 0;
  const slice = items.slice(start, start + limit);
  return start + limit < items.length
    ? { items: slice, next: Buffer.from(String(start + limit)).toString('base64url') }
    : { items: slice };
}

/**
 * The HTTP API: apps, projects and clusters; sync, refresh, diff, history, rollback, delete; and
 * the webhook endpoint. The same app runs on Lambda (behind IAM) and in `gitferry serve` (bearer token).
 */
export function createApiApp(deps: ApiDeps): Hono {
  const api = new Hono();

  api.onError((err, c) => {
    if (err instanceof Problem) return problem(c, err.status, err.title, err.message, err.field);
    if (err instanceof WebhookError) return c.json({ error: err.message }, err.httpStatus);
    if (err instanceof GitferryError && err.code === 'app:invalid')
      return problem(c, 422, 'Invalid Application', err.message);
    if (err instanceof GitferryError && err.code === 'project:invalid')
      return problem(c, 400, 'Invalid AppProject', err.message);
    deps.log.error('api request failed', { path: c.req.path, message: (err as Error).message });
    return problem(c, 500, 'Internal Server Error', 'the request failed; see the server log');
  });
  api.notFound((c) => problem(c, 404, 'Not Found', `no route for ${c.req.method} ${c.req.path}`));

  api.get('/healthz', (c) => c.json({ ok: true }));
  api.get('/api/openapi.json', (c) => c.json(openApiDocument));

  // Capped before the signature is checked or anything parsed (safety item 3).
  api.post('/api/webhook', capBody(defaultWebhookOptions.maxBodyBytes, bodyTooLarge), async (c) => {
    const body = Buffer.from(await c.req.arrayBuffer());
    const headers: Record<string, string> = {};
    c.req.raw.headers.forEach((v, k) => (headers[k] = v));
    try {
      const outcome = parseWebhook({ headers, body }, (await deps.webhookSecrets?.()) ?? {});
      if (outcome.kind === 'ignored') return c.json({ ignored: outcome.reason }, 200);
      const result = await intakePush(outcome.event, {
        store: deps.store,
        queue: deps.queue,
        log: deps.log,
        now: deps.now,
      });
      return c.json(
        { enqueued: result.enqueued, duplicate: result.duplicate, revision: outcome.event.sha },
        result.duplicate ? 200 : 202,
      );
    } catch (err) {
      if (err instanceof WebhookError) return c.json({ error: redact(err.message) }, err.httpStatus);
      throw err;
    }
  });

  const v1 = new Hono();
  v1.use('*', async (c, next) => {
    if (!deps.token) return next();
    const auth = c.req.header('authorization') ?? '';
    const given = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (!given || !tokenMatches(given, deps.token))
      return problem(
        c,
        401,
        'Unauthorized',
        'a valid bearer token is required (gitferry serve prints where it is)',
      );
    return next();
  });
  // After the token check: an unauthenticated caller gets 401 without a byte of its body read.
  v1.use('*', capBody(maxApiBodyBytes, apiBodyTooLarge));

  const appOr404 = async (name: string) => {
    const app = await deps.store.getApp(name);
    if (!app) throw new Problem(404, 'Not Found', `Application/${name} does not exist`);
    return app;
  };

  v1.get('/apps', async (c) => {
    const apps = (await deps.store.listApps()).sort((a, b) => a.name.localeCompare(b.name));
    const p = page(apps, c.req.query('limit'), c.req.query('cursor'));
    const items = await Promise.all(p.items.map(async (a) => summary(a, await deps.store.getStatus(a.name))));
    return c.json({ items, next: p.next });
  });

  v1.post('/apps', async (c) => {
    const { app, warnings } = parseApplication(await readManifest(c));
    const exists = await deps.store.getApp(app.name);
    if (exists && c.req.query('upsert') !== 'true')
      throw new Problem(409, 'Conflict', `Application/${app.name} already exists (use upsert to replace it)`);
    await deps.store.putApp({ ...app, pinnedRevision: exists?.pinnedRevision });
    await deps.queue.send({ app: app.name, reason: 'refresh', requestedAt: deps.now() });
    return c.json({ app, warnings }, exists ? 200 : 201);
  });

  v1.get('/apps/:name', async (c) => {
    const app = await appOr404(c.req.param('name'));
    const [status, operation] = await Promise.all([
      deps.store.getStatus(app.name),
      deps.store.getOperation(app.name),
    ]);
    return c.json({
      app,
      // Redacted on the way out too: records written before redaction at the source still answer clean.
      status: status && redactDeep(status),
      operationInProgress: operation
        ? { runId: operation.runId, revision: operation.revision, attempt: operation.attempt }
        : undefined,
    });
  });

  v1.delete('/apps/:name', async (c) => {
    const app = await appOr404(c.req.param('name'));
    const cascade = c.req.query('cascade') !== 'false';
    const policy = (c.req.query('propagationPolicy') ?? 'foreground').toLowerCase();
    if (!['foreground', 'background', 'orphan'].includes(policy))
      throw new Problem(400, 'Bad Request', 'propagationPolicy must be foreground, background or orphan');
    const result = await deps.controller.deleteApp(app.name, {
      cascade,
      propagationPolicy:
        policy === 'background' ? 'Background' : policy === 'orphan' ? 'Orphan' : 'Foreground',
    });
    return c.json(result);
  });

  v1.post('/apps/:name/sync', async (c) => {
    const app = await appOr404(c.req.param('name'));
    const body = await readJson<{ revision?: unknown; prune?: unknown; dryRun?: unknown }>(c);
    if (body.revision !== undefined && typeof body.revision !== 'string')
      throw new Problem(400, 'Bad Request', 'revision must be a string');
    const requestedAt = deps.now();
    await deps.store.requestSync(app.name, {
      reason: 'manual',
      revision: body.revision as string | undefined,
      prune: body.prune === true,
      dryRun: body.dryRun === true,
      requestedAt,
    });
    await deps.queue.send({ app: app.name, reason: 'manual', requestedAt });
    return c.json({ requested: true, requestedAt }, 202);
  });

  v1.post('/apps/:name/refresh', async (c) => {
    const app = await appOr404(c.req.param('name'));
    const requestedAt = deps.now();
    await deps.queue.send({ app: app.name, reason: 'refresh', requestedAt });
    return c.json({ requested: true, requestedAt }, 202);
  });

  v1.get('/apps/:name/diff', async (c) => {
    const app = await appOr404(c.req.param('name'));
    const status = await deps.store.getStatus(app.name);
    return c.json(
      redactDeep({ sync: status?.sync, drift: status?.drift, resources: status?.resources ?? [] }),
    );
  });

  v1.get('/apps/:name/history', async (c) => {
    const app = await appOr404(c.req.param('name'));
    const limit = Math.min(100, Math.max(1, Number(c.req.query('limit') ?? app.revisionHistoryLimit) || 10));
    // Supersessions were never applied: they are listed only when asked for, so the history
    // (where rollback ids are picked) shows `limit` deployed runs however many were recorded.
    const runs = await deps.store.listRuns(app.name, limit, {
      includeSuperseded: c.req.query('superseded') === 'true',
    });
    return c.json({
      items: runs.map(({ results, ...r }) => ({ ...redactDeep(r), resources: results.length })),
    });
  });

  v1.post('/apps/:name/rollback', async (c) => {
    const app = await appOr404(c.req.param('name'));
    const body = await readJson<{ id?: unknown }>(c);
    // The window holds the 100 newest deployed runs: superseded entries, never applied, are no
    // rollback target and take no room in it.
    const runs = await deps.store.listRuns(app.name, 100, { includeSuperseded: false });
    const target =
      body.id === undefined
        ? runs.filter((r) => r.phase === 'Succeeded')[1]
        : runs.find((r) => r.id === Number(body.id));
    if (!target)
      throw new Problem(
        404,
        'Not Found',
        body.id === undefined
          ? `Application/${app.name} has no earlier successful sync to roll back to`
          : `Application/${app.name} has no history entry ${String(body.id)} among its 100 newest deployed runs (superseded entries were never applied)`,
      );
    // Pinned until unpinned: auto-sync will not move it forward again behind the user's back.
    await deps.store.putApp({ ...app, pinnedRevision: target.revision });
    const requestedAt = deps.now();
    await deps.store.requestSync(app.name, { reason: 'manual', revision: target.revision, requestedAt });
    await deps.queue.send({ app: app.name, reason: 'manual', requestedAt });
    return c.json({ pinnedRevision: target.revision, historyId: target.id }, 202);
  });

  v1.delete('/apps/:name/pin', async (c) => {
    const app = await appOr404(c.req.param('name'));
    await deps.store.putApp({ ...app, pinnedRevision: undefined });
    await deps.queue.send({ app: app.name, reason: 'refresh', requestedAt: deps.now() });
    return c.json({ pinnedRevision: null });
  });

  v1.get('/projects', async (c) => c.json({ items: await deps.store.listProjects() }));
  v1.post('/projects', async (c) => {
    const { project, warnings } = parseAppProjectManifest(await readManifest(c));
    await deps.store.putProject(project);
    // The project as stored, plus the fields it ignores (e.g. syncWindows), so nobody relies on them.
    return c.json({ ...project, warnings }, 201);
  });
  v1.get('/projects/:name', async (c) => {
    const project = await deps.store.getProject(c.req.param('name'));
    if (!project) throw new Problem(404, 'Not Found', `AppProject/${c.req.param('name')} does not exist`);
    return c.json(project);
  });

  v1.get('/clusters', async (c) => c.json({ items: await deps.store.listClusters() }));
  v1.post('/clusters', async (c) => {
    const body = await readJson<ClusterRegistration>(c);
    // Only the fields a caller may set: insecureSkipVerify comes from an admin's kubeconfig alone.
    const { name, server, caData, token, tokenSecret, eksClusterName, region, roleArn } = body;
    try {
      const cluster = await registerCluster(
        { name, server, caData, token, tokenSecret, eksClusterName, region, roleArn },
        {
          store: deps.store,
          writeSecret: deps.writeSecret,
          secretPrefix: deps.clusters?.secretPrefix,
          server: deps.clusters?.server ?? { guard: {} },
        },
      );
      return c.json(cluster, 201);
    } catch (err) {
      if (err instanceof ClusterConfigError) throw new Problem(400, 'Bad Request', err.message, err.field);
      throw err;
    }
  });
  v1.delete('/clusters/:name', async (c) => {
    const name = c.req.param('name');
    const users = (await deps.store.listApps())
      .filter((a) => (a.destination.name ?? a.destination.server) === name)
      .map((a) => a.name);
    if (users.length > 0)
      throw new Problem(409, 'Conflict', `Cluster/${name} is the destination of ${users.join(', ')}`);
    await deps.store.deleteCluster(name);
    return c.json({ deleted: name });
  });

  api.route('/api/v1', v1);
  return api;
}
