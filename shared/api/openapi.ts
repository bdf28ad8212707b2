// The API's routes as OpenAPI operations (what the CLI, the web UI and scripts use). The document
// served at /api/openapi.json is generated from these and from the schemas in schemas.ts, which
// the routes in api-app.ts validate with: the document cannot drift from what the server checks.
import {
  createRoute,
  type OpenAPIHono,
  type RouteConfig,
  type RouteHandler,
  type z,
} from '@hono/zod-openapi';
import type { BlankEnv } from 'hono/types';
import * as s from './schemas.js';

const problem = {
  description: 'Problem',
  content: { 'application/problem+json': { schema: s.ProblemSchema } },
};
const errors = { 400: problem, 401: problem, 404: problem, 422: problem } as const;
const json = <T extends z.ZodType>(description: string, schema: T) => ({
  description,
  content: { 'application/json': { schema } },
});
const manifestBody = {
  required: true,
  content: {
    'application/yaml': { schema: s.ManifestYaml },
    'application/json': { schema: s.ManifestJson },
  },
};
const jsonBody = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });
const named = { params: s.NameParams };

export const listApps = createRoute({
  method: 'get',
  path: '/apps',
  summary: 'List apps',
  request: { query: s.ListAppsQuery },
  responses: { 200: json('A page of apps', s.AppPage), ...errors },
});

export const createApp = createRoute({
  method: 'post',
  path: '/apps',
  summary: 'Create an app from an Argo CD Application manifest',
  request: { query: s.CreateAppQuery, body: manifestBody },
  responses: {
    201: json('Created', s.AppCreated),
    200: json('Replaced', s.AppCreated),
    409: problem,
    413: problem,
    ...errors,
  },
});

export const getApp = createRoute({
  method: 'get',
  path: '/apps/{name}',
  summary: 'An app with its status',
  request: named,
  responses: { 200: json('The app', s.AppView), ...errors },
});

export const deleteApp = createRoute({
  method: 'delete',
  path: '/apps/{name}',
  summary: 'Delete an app (cascade deletes its objects)',
  request: { ...named, query: s.DeleteAppQuery },
  responses: { 200: json('Deleted', s.DeleteResult), 409: problem, ...errors },
});

export const syncApp = createRoute({
  method: 'post',
  path: '/apps/{name}/sync',
  summary: 'Request a sync',
  request: { ...named, body: jsonBody(s.SyncBody) },
  responses: { 202: json('Requested', s.Requested), 409: problem, ...errors },
});

export const terminateOperation = createRoute({
  method: 'delete',
  path: '/apps/{name}/operation',
  summary: "Terminate the app's running operation (its running hooks are deleted)",
  request: named,
  responses: { 200: json('Terminated', s.Terminated), 409: problem, ...errors },
});

export const refreshApp = createRoute({
  method: 'post',
  path: '/apps/{name}/refresh',
  summary: 'Compare live with desired now',
  request: named,
  responses: { 202: json('Requested', s.Requested), ...errors },
});

export const appDiff = createRoute({
  method: 'get',
  path: '/apps/{name}/diff',
  summary: 'Last comparison',
  request: named,
  responses: { 200: json('Diff', s.AppDiff), ...errors },
});

export const appHistory = createRoute({
  method: 'get',
  path: '/apps/{name}/history',
  summary: 'Sync history, newest first (superseded pushes only with superseded=true)',
  request: { ...named, query: s.HistoryQuery },
  responses: { 200: json('History', s.History), ...errors },
});

export const rollbackApp = createRoute({
  method: 'post',
  path: '/apps/{name}/rollback',
  summary: 'Roll back to a history entry (pins the app to its revision)',
  request: { ...named, body: jsonBody(s.RollbackBody) },
  responses: { 202: json('Requested', s.RolledBack), ...errors },
});

export const unpinApp = createRoute({
  method: 'delete',
  path: '/apps/{name}/pin',
  summary: 'Unpin after a rollback',
  request: named,
  responses: { 200: json('Unpinned', s.Unpinned), ...errors },
});

export const appManifests = createRoute({
  method: 'get',
  path: '/apps/{name}/manifests',
  summary: 'The app rendered from Git (source=git) or its live objects (source=live); Secret values masked',
  request: { ...named, query: s.ManifestsQuery },
  responses: { 200: json('Manifests', s.Manifests), 409: problem, 501: problem, 502: problem, ...errors },
});

export const appLogs = createRoute({
  method: 'get',
  path: '/apps/{name}/logs',
  summary: "Logs of the Pods the app's workloads run (the last tailLines of each container)",
  request: { ...named, query: s.LogsQuery },
  responses: { 200: json('Logs', s.Logs), 409: problem, 501: problem, 502: problem, ...errors },
});

export const serverVersion = createRoute({
  method: 'get',
  path: '/version',
  summary: 'The server: name, version, commit, Node version',
  responses: { 200: json('Version', s.ServerVersion), ...errors },
});

export const listProjects = createRoute({
  method: 'get',
  path: '/projects',
  summary: 'List projects',
  responses: { 200: json('Projects', s.ProjectList), ...errors },
});

export const createProject = createRoute({
  method: 'post',
  path: '/projects',
  summary: 'Create a project from an AppProject manifest',
  request: { body: manifestBody },
  responses: { 201: json('Created', s.ProjectCreated), 413: problem, ...errors },
});

export const getProject = createRoute({
  method: 'get',
  path: '/projects/{name}',
  summary: 'A project',
  request: named,
  responses: { 200: json('Project', s.ProjectSchema), ...errors },
});

export const listClusters = createRoute({
  method: 'get',
  path: '/clusters',
  summary: 'List clusters',
  responses: { 200: json('Clusters', s.ClusterList), ...errors },
});

export const registerCluster = createRoute({
  method: 'post',
  path: '/clusters',
  summary: 'Register a cluster',
  request: { body: jsonBody(s.ClusterBody) },
  responses: { 201: json('Registered', s.ClusterSchema), ...errors },
});

export const removeCluster = createRoute({
  method: 'delete',
  path: '/clusters/{name}',
  summary: 'Remove a cluster',
  request: named,
  responses: { 200: json('Removed', s.ClusterDeleted), 409: problem, ...errors },
});

/** The JSON body schema a route documents, for handlers that read their body themselves. */
export type JsonBodyOf<R extends RouteConfig> = R extends {
  request: { body: { content: { 'application/json': { schema: infer T extends z.ZodType } } } };
}
  ? T
  : never;

/**
 * Adds `def` to `app` with its OpenAPI operation; params and query are validated by their
 * schemas before `handler` runs. Bodies are read by the handlers (readJson, readManifest), after
 * the app is looked up as before: hono's own JSON validator would answer 415 to a body without a
 * JSON content type and 400 to an empty one, where the API has always taken both.
 */
export function addRoute<R extends RouteConfig>(
  app: OpenAPIHono<BlankEnv>,
  def: R,
  handler: RouteHandler<R>,
): void {
  app.openAPIRegistry.registerPath(def);
  const { body: _documented, ...request } = def.request ?? {};
  app.openapi({ ...def, request, hide: true }, handler as never);
}

/** The OpenAPI 3.1 document of `api` (its routes as registered, mounted paths included). */
export function describeApi(api: OpenAPIHono): unknown {
  api.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  return api.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'Gitferry API',
      version: '0.1.0',
      description: 'Apps (Argo CD Applications), projects, clusters; sync, diff, history, rollback.',
    },
    security: [{ bearer: [] }],
  });
}

export const canI = createRoute({
  method: 'get',
  path: '/account/can-i/{resource}/{action}/{object}',
  summary:
    'Whether the caller may do `action` on `resource` `object` (an app is `<project>%2F<name>`), by the rules the API enforces',
  request: { params: s.CanIParams },
  responses: { 200: json('Answer', s.CanIAnswer), ...errors },
});

export const appStream = createRoute({
  method: 'get',
  path: '/stream',
  summary:
    'Server-sent events (Accept: text/event-stream): `change` with an app name whenever an app the caller may see changes (gitferry serve; 501 where the server cannot hold a stream: poll with ETags)',
  responses: {
    200: { description: 'An event stream', content: { 'text/event-stream': { schema: s.StreamEvents } } },
    406: problem,
    501: problem,
    ...errors,
  },
});
