// Who may call which route: one table from route to Argo CD permission (resource, action,
// object), checked by one middleware before any handler runs. A route missing from the table
// is for admins only, so a new route is never open by accident (and a test lists the routes
// the table does not name). List routes filter what they answer with `visibleTo`.
import { randomBytes } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import type { AuditEntry } from '../domain/access-records.js';
import { AuthError, type Authenticator } from '../auth/authenticate.js';
import type { Identity } from '../auth/identity.js';
import type { SessionRevocations } from '../auth/revocation.js';
import { describePermission, type Permission, type Rbac } from '../auth/rbac.js';
import type { StateStore } from '../ports/state-store.js';
import { problem } from './problems.js';
import { readManifest } from './request-body.js';

/** What a route needs: permissions (all of them), or only a signed-in caller. */
type Need = Permission[] | 'signed-in';

interface RouteRule {
  method: string;
  /** The route's path under /api/v1, OpenAPI style (`/apps/{name}`). */
  path: string;
  need(c: Context, params: Record<string, string>, store: StateStore): Promise<Need>;
}

/** `<project>/<app>`; an app that does not exist has no project, so only `*` matches it. */
async function appObject(store: StateStore, name: string): Promise<string> {
  const app = await store.getApp(name);
  return `${app?.project ?? ''}/${name}`;
}

const onApp =
  (action: Permission['action'], resource: Permission['resource'] = 'applications') =>
  async (_c: Context, p: Record<string, string>, store: StateStore): Promise<Need> => [
    { resource, action, object: await appObject(store, p.name!) },
  ];

const named =
  (resource: Permission['resource'], action: Permission['action']) =>
  async (_c: Context, p: Record<string, string>): Promise<Need> => [{ resource, action, object: p.name! }];

const signedIn = async (): Promise<Need> => 'signed-in';

function stringAt(value: unknown, ...path: string[]): string {
  let v = value;
  for (const k of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return typeof v === 'string' ? v : '';
}

/**
 * Creating an app needs `create` in the project the manifest names; replacing one (upsert) needs
 * `update` where it is and where it goes. A body that does not parse is judged on what it names
 * (nothing, so only `*` rules match) and then refused by the route with its own 4xx.
 */
async function createApp(c: Context, _p: Record<string, string>, store: StateStore): Promise<Need> {
  let manifest: unknown;
  try {
    manifest = await readManifest(c);
  } catch {
    manifest = undefined;
  }
  const name = stringAt(manifest, 'metadata', 'name');
  const project = stringAt(manifest, 'spec', 'project');
  const existing = name ? await store.getApp(name) : undefined;
  if (!existing) return [{ resource: 'applications', action: 'create', object: `${project}/${name}` }];
  return [
    { resource: 'applications', action: 'update', object: `${existing.project}/${name}` },
    { resource: 'applications', action: 'update', object: `${project}/${name}` },
  ];
}

async function createProject(c: Context, _p: Record<string, string>, store: StateStore): Promise<Need> {
  let name = '';
  try {
    name = stringAt(await readManifest(c), 'metadata', 'name');
  } catch {
    name = '';
  }
  const exists = name ? await store.getProject(name) : undefined;
  return [{ resource: 'projects', action: exists ? 'update' : 'create', object: name }];
}

async function registerCluster(c: Context): Promise<Need> {
  let name = '';
  try {
    name = stringAt(JSON.parse(await c.req.text()) as unknown, 'name');
  } catch {
    name = '';
  }
  return [{ resource: 'clusters', action: 'create', object: name }];
}

/** Anything a route without a rule needs: admin rights over everything. */
const adminOnly: Permission[] = [{ resource: 'clusters', action: 'delete', object: '*' }];

/** Every route of /api/v1 and what it needs (Argo CD's choices where it has the same verb). */
export const routePermissions: RouteRule[] = [
  { method: 'GET', path: '/apps', need: signedIn }, // filtered by applications/get
  { method: 'POST', path: '/apps', need: createApp },
  { method: 'GET', path: '/apps/{name}', need: onApp('get') },
  { method: 'DELETE', path: '/apps/{name}', need: onApp('delete') },
  { method: 'POST', path: '/apps/{name}/sync', need: onApp('sync') },
  // Argo CD: a refresh is a get (it only compares); rollback and terminating an operation are syncs.
  { method: 'POST', path: '/apps/{name}/refresh', need: onApp('get') },
  { method: 'GET', path: '/apps/{name}/diff', need: onApp('get') },
  { method: 'GET', path: '/apps/{name}/history', need: onApp('get') },
  { method: 'GET', path: '/apps/{name}/manifests', need: onApp('get') },
  { method: 'GET', path: '/apps/{name}/logs', need: onApp('get', 'logs') },
  { method: 'POST', path: '/apps/{name}/rollback', need: onApp('sync') },
  { method: 'DELETE', path: '/apps/{name}/pin', need: onApp('sync') },
  { method: 'DELETE', path: '/apps/{name}/operation', need: onApp('sync') },
  { method: 'GET', path: '/projects', need: signedIn }, // filtered by projects/get
  { method: 'POST', path: '/projects', need: createProject },
  { method: 'GET', path: '/projects/{name}', need: named('projects', 'get') },
  { method: 'GET', path: '/clusters', need: signedIn }, // filtered by clusters/get
  { method: 'POST', path: '/clusters', need: registerCluster },
  { method: 'DELETE', path: '/clusters/{name}', need: named('clusters', 'delete') },
  { method: 'GET', path: '/version', need: signedIn },
  // Project roles' tokens: issuing and revoking change the project (Argo CD: projects update).
  { method: 'POST', path: '/projects/{name}/roles/{role}/tokens', need: named('projects', 'update') },
  { method: 'GET', path: '/projects/{name}/tokens', need: named('projects', 'get') },
  { method: 'DELETE', path: '/projects/{name}/tokens/{id}', need: named('projects', 'update') },
  // Revoking a user's sessions is for admins (Argo CD's accounts resource is not modelled).
  { method: 'DELETE', path: '/users/{subject}/sessions', need: async () => adminOnly },
  // The whole trail: whoever may get every project (role:readonly and up).
  // The web UI's questions (which buttons to show) and its live feed: any signed-in caller; each
  // answer is about the caller alone, and the feed names only apps the caller may get.
  { method: 'GET', path: '/account/can-i/{resource}/{action}/{object}', need: signedIn },
  { method: 'GET', path: '/stream', need: signedIn },
  { method: 'GET', path: '/audit', need: async () => [{ resource: 'projects', action: 'get', object: '*' }] },
];

const compiled = routePermissions.map((r) => ({
  ...r,
  pattern: new RegExp(`^${r.path.replace(/\{(\w+)\}/g, '(?<$1>[^/]+)')}/?$`),
}));

/** The rule for a request (method and path under /api/v1), with its path parameters. */
export function ruleFor(
  method: string,
  path: string,
): { rule: RouteRule; params: Record<string, string> } | undefined {
  for (const r of compiled) {
    if (r.method !== method) continue;
    const m = r.pattern.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(m.groups ?? {})) {
      try {
        params[k] = decodeURIComponent(v);
      } catch {
        params[k] = v;
      }
    }
    return { rule: r, params };
  }
  return undefined;
}

const callers = new WeakMap<Context, Identity>();

/** The identity the middleware found for this request (undefined before it ran). */
export function callerOf(c: Context): Identity | undefined {
  return callers.get(c);
}

export interface AccessControl {
  authenticator: Authenticator;
  /** The RBAC to decide with; a function, so project roles can be added as projects change. */
  rbac(): Promise<Rbac>;
  /** Records an audit entry (store and structured log); absent: nothing is recorded. */
  audit?(entry: AuditEntry): Promise<void>;
  /**
   * The caller's address as the server saw it (the socket's peer), for the audit trail. The
   * runtime provides it; X-Forwarded-For is never read here.
   */
  sourceOf?(c: Context): string | undefined;
  /**
   * The IAM principal the platform verified for this request (AWS: the Function URL's IAM
   * authorizer in the Lambda event), never read from a header.
   */
  iamCallerOf?(c: Context): string | undefined;
  /** Sign-out and an admin's revoke-sessions (absent without a store). */
  revocations?: SessionRevocations;
}

const mutating = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The app a request under /api/v1 is about, if any. */
function appOf(path: string): string | undefined {
  const m = /\/api\/v1\/apps\/([^/]+)/.exec(path);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return m[1];
  }
}

/** Writes who did what: every mutating call, and every refused call whatever its method. */
async function record(
  access: AccessControl,
  c: Context,
  who: Identity | undefined,
  result: AuditEntry['result'],
  status: number,
  permission?: Permission,
): Promise<void> {
  if (!access.audit) return;
  if (result === 'allowed' && !mutating.has(c.req.method)) return;
  const at = Date.now();
  await access.audit({
    name: `${String(at).padStart(15, '0')}-${randomBytes(4).toString('hex')}`,
    at,
    subject: who?.subject ?? 'anonymous',
    groups: who?.groups ?? [],
    method: who?.method ?? 'none',
    ...(who?.tokenId ? { tokenId: who.tokenId } : {}),
    action: `${c.req.method} ${c.req.path}`.slice(0, 512),
    ...(permission ? { permission: describePermission(permission) } : {}),
    ...(appOf(c.req.path) ? { app: appOf(c.req.path) } : {}),
    result,
    status,
    ...(access.sourceOf?.(c) ? { source: access.sourceOf(c) } : {}),
  });
}

/** Authentication: 401 without a valid credential; the caller is remembered for the routes. */
export function authenticate(access: AccessControl): MiddlewareHandler {
  return async (c, next) => {
    let who: Identity | undefined;
    try {
      who = await access.authenticator.identify(c.req.raw.headers, access.iamCallerOf?.(c));
    } catch (err) {
      if (err instanceof AuthError) {
        await record(access, c, undefined, 'unauthenticated', 401);
        return problem(c, 401, 'Unauthorized', err.message);
      }
      throw err;
    }
    if (!who) {
      await record(access, c, undefined, 'unauthenticated', 401);
      return problem(
        c,
        401,
        'Unauthorized',
        'a valid bearer token or session is required (gitferry login, or the token gitferry serve prints)',
      );
    }
    callers.set(c, who);
    return next();
  };
}

/** Authorization: 403 naming the first permission the caller lacks. */
export function authorize(access: AccessControl, store: StateStore, base = '/api/v1'): MiddlewareHandler {
  return async (c, next) => {
    const who = callerOf(c);
    if (!who) return problem(c, 401, 'Unauthorized', 'not signed in');
    const at = c.req.path.indexOf(base);
    const path = at >= 0 ? c.req.path.slice(at + base.length) : c.req.path;
    const found = ruleFor(c.req.method === 'HEAD' ? 'GET' : c.req.method, path);
    // No rule: not a route of the table (a 404 will follow, or a route added without a rule).
    const need = found ? await found.rule.need(c, found.params, store) : adminOnly;
    if (need !== 'signed-in') {
      const rbac = await access.rbac();
      for (const p of need)
        if (!rbac.can(who, p)) {
          await record(access, c, who, 'denied', 403, p);
          return problem(c, 403, 'Forbidden', `permission denied: ${describePermission(p)} (${who.subject})`);
        }
    }
    await next();
    await record(access, c, who, 'allowed', c.res.status, need === 'signed-in' ? undefined : need[0]);
  };
}

/** The items of a list `who` may get. */
export async function visibleTo<T>(
  c: Context,
  access: AccessControl,
  items: readonly T[],
  permissionOf: (item: T) => Permission,
): Promise<T[]> {
  return items.filter(await visibilityFor(c, access, permissionOf));
}

/** Whether the caller may see an item, for lists that check only as far as they read. */
export async function visibilityFor<T>(
  c: Context,
  access: AccessControl,
  permissionOf: (item: T) => Permission,
): Promise<(item: T) => boolean> {
  const who = callerOf(c);
  if (!who) return () => false;
  const rbac = await access.rbac();
  return (item) => rbac.can(who, permissionOf(item));
}

/** Audits a verified push: one entry per app it woke, as `webhook:<provider>` with the delivery id. */
export async function recordPush(
  access: AccessControl,
  c: Context,
  event: { provider: string; deliveryId: string; sha: string },
  apps: string[],
): Promise<void> {
  if (!access.audit) return;
  for (const app of apps) {
    const at = Date.now();
    await access.audit({
      name: `${String(at).padStart(15, '0')}-${randomBytes(4).toString('hex')}`,
      at,
      subject: `webhook:${event.provider}`,
      groups: [],
      method: 'webhook-signature',
      tokenId: event.deliveryId.slice(0, 128),
      action: `push ${event.sha.slice(0, 40)}`,
      app,
      result: 'allowed',
      status: 202,
      ...(access.sourceOf?.(c) ? { source: access.sourceOf(c) } : {}),
    });
  }
}
