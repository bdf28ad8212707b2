// The API's request and response shapes, each one zod schema: the routes validate with it and
// the OpenAPI document (openapi.ts) is generated from it. Where the API has always read an input
// leniently (a query flag that is not `true` is false, a limit out of range is clamped), the
// schema says so with a preprocess step, so the document shows the type and the server keeps
// its old answers.
import { z } from '@hono/zod-openapi';
import { actions, resources } from '../auth/policy.js';
import { maxOperationTimeoutSeconds, minOperationTimeoutSeconds } from '../domain/operation-timeout.js';

/** An RFC 9457 problem, answered as application/problem+json. */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    field: z.string().optional().openapi({ description: 'the request field at fault, when one is' }),
  })
  .openapi('Problem');

/**
 * The `{name}` of apps, projects and clusters. Documented as a DNS label but not enforced here:
 * a name outside it is simply not found (404), and clusters registered from a kubeconfig by
 * `gitferry serve` may carry other names that must stay reachable.
 */
export const NameParams = z.object({
  name: z.string().openapi({
    param: { name: 'name', in: 'path' },
    pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
    maxLength: 63,
  }),
});

/**
 * A query value as the API has always read it: the first when the key is repeated. (null never
 * comes from a query string; passing it through keeps the documented type from turning nullable.)
 */
const first = (v: unknown) => (Array.isArray(v) ? (v[0] as unknown) : v);

/** A query flag: `true` is true, anything else is `otherwise` (how the API has always read them). */
const flag = (otherwise: boolean) =>
  z.preprocess((v) => (v === null ? v : otherwise ? first(v) !== 'false' : first(v) === 'true'), z.boolean());

/** A query integer: out of range is clamped, unreadable is `fallback`. */
const clampedInt = (min: number, max: number, fallback: number) =>
  z.preprocess(
    (v) => (v === null ? v : Math.min(max, Math.max(min, Number(first(v)) || fallback))),
    z.int().min(min).max(max),
  );

export const ListAppsQuery = z.object({
  limit: clampedInt(1, 500, 100).optional(),
  cursor: z.preprocess(first, z.string()).optional(),
});

export const CreateAppQuery = z.object({ upsert: flag(false).optional() });

export const DeleteAppQuery = z.object({
  cascade: flag(true).optional(),
  propagationPolicy: z
    .preprocess(
      (v) => (typeof first(v) === 'string' ? (first(v) as string).toLowerCase() : v),
      z.enum(['foreground', 'background', 'orphan'], {
        error: 'propagationPolicy must be foreground, background or orphan',
      }),
    )
    .optional(),
});

export const HistoryQuery = z.object({
  /** Absent: the app's revisionHistoryLimit (clamped the same way). */
  limit: clampedInt(1, 100, 10).optional(),
  superseded: flag(false).optional(),
  /** Each run's per-object results (the web UI's last-sync events and hook results). */
  results: flag(false).optional(),
});

/** Only `true` turns prune and dryRun on (anything else is false, as it always was). */
const onlyTrue = z.preprocess((v) => v === true, z.boolean()).optional();

export const SyncBody = z.object({
  revision: z.string({ error: 'revision must be a string' }).optional(),
  prune: onlyTrue,
  dryRun: onlyTrue,
  timeoutSeconds: z
    .int({ error: 'timeoutSeconds must be a whole number of seconds' })
    .min(minOperationTimeoutSeconds, {
      error: `timeoutSeconds must be at least ${minOperationTimeoutSeconds}`,
    })
    .max(maxOperationTimeoutSeconds, {
      error: `timeoutSeconds must be at most ${maxOperationTimeoutSeconds} (a day)`,
    })
    .optional(),
});

export const Terminated = z.object({
  runId: z.int(),
  phase: z.literal('Failed'),
  message: z.string(),
});

export const RollbackBody = z.object({
  id: z.int({ error: 'id must be an integer (a history id)' }).optional(),
});

/**
 * A registration field: documented as the string it must be, but taken as it comes, so that
 * registerCluster judges every value, its type included, and names the field in a message that
 * starts with the cluster (`Cluster/prod: server refused: …`).
 */
const unchecked = (description?: string) =>
  z
    .unknown()
    .optional()
    .openapi({ type: 'string', ...(description ? { description } : {}) });

/**
 * What a caller may send to register a cluster. insecureSkipVerify is absent on purpose: it comes
 * from an admin's kubeconfig alone, and fields the schema does not name are dropped.
 */
export const ClusterBody = z.object({
  name: z.unknown().openapi({ type: 'string', description: 'a DNS name' }),
  server: unchecked('https:// URL; refused if it is or resolves to an internal address (URL guard)'),
  caData: unchecked('base64 PEM'),
  token: unchecked("written to the cluster's own secret"),
  tokenSecret: unchecked(
    "only the cluster's own secret, `<prefix><name>/token` (`clusters/` locally, `gitferry/clusters/` on AWS); any other is a 400",
  ),
  eksClusterName: unchecked(),
  region: unchecked(),
  roleArn: unchecked(),
});

/** An Argo CD Application or AppProject manifest, as YAML text or as JSON. */
export const ManifestYaml = z.string();
export const ManifestJson = z.looseObject({});

const Destination = z.object({
  name: z.string().optional(),
  server: z.string().optional(),
  namespace: z.string().optional(),
});

export const AppSchema = z
  .looseObject({
    name: z.string(),
    project: z.string(),
    destination: Destination,
    pinnedRevision: z.string().optional(),
    /** The app of apps whose render defines this app (set by Gitferry, never by a request). */
    parent: z.string().optional(),
    finalizers: z.array(z.string()).optional(),
  })
  .openapi('App');

export const AppSummary = z
  .object({
    name: z.string(),
    project: z.string(),
    repoURL: z.string(),
    path: z.string(),
    targetRevision: z.string(),
    destination: Destination,
    sync: z.string(),
    health: z.string(),
    revision: z.string().optional(),
    pinnedRevision: z.string().optional(),
    labels: z.record(z.string(), z.string()),
    operation: z
      .object({ phase: z.string(), startedAt: z.string(), finishedAt: z.string().optional() })
      .optional(),
  })
  .openapi('AppSummary');

export const AppPage = z.object({ items: z.array(AppSummary), next: z.string().optional() });

export const AppCreated = z.object({
  app: AppSchema,
  warnings: z.array(z.string()),
  /** What the save did: `updated` and `unchanged` answer an upsert of an existing app. */
  result: z.enum(['created', 'updated', 'unchanged']),
});

const Status = z.looseObject({}).openapi('AppStatus');

export const AppView = z.object({
  app: AppSchema,
  status: Status.optional(),
  operationInProgress: z
    .object({ runId: z.int(), revision: z.string().optional(), attempt: z.int() })
    .optional(),
});

export const DeleteResult = z.object({
  deleted: z.array(z.string()),
  kept: z.array(z.string()),
  /** On AWS a cascade delete is queued for the worker: the app is deleted once its objects are. */
  queued: z.boolean().optional(),
});

export const Requested = z.object({ requested: z.literal(true), requestedAt: z.int() });

export const AppDiff = z.object({
  sync: z.looseObject({ status: z.string() }).optional(),
  drift: z.looseObject({ outOfSync: z.int(), checkedAt: z.string() }).optional(),
  resources: z.array(z.looseObject({})),
});

export const History = z.object({
  items: z.array(z.looseObject({ id: z.int(), revision: z.string(), phase: z.string(), resources: z.int() })),
});

export const RolledBack = z.object({ pinnedRevision: z.string(), historyId: z.int() });

export const Unpinned = z.object({ pinnedRevision: z.null() });

export const ProjectSchema = z
  .looseObject({ name: z.string(), sourceRepos: z.array(z.string()) })
  .openapi('Project');

export const ProjectList = z.object({ items: z.array(ProjectSchema) });

export const ProjectCreated = ProjectSchema.extend({ warnings: z.array(z.string()) });

export const ClusterSchema = z
  .looseObject({ name: z.string(), type: z.enum(['eks', 'kubeconfig']) })
  .openapi('Cluster');

/** What the workers last saw of the cluster's API server (Argo CD's `connectionState`). */
export const ClusterConnectionStateSchema = z
  .object({
    status: z.enum(['Successful', 'Failed', 'Unknown']),
    message: z.string(),
    attemptedAt: z.string().optional(),
  })
  .openapi('ClusterConnectionState');

export const ClusterList = z.object({
  items: z.array(ClusterSchema.extend({ connectionState: ClusterConnectionStateSchema })),
});

export const ClusterDeleted = z.object({ deleted: z.string() });

/** `source=git` (default): what Git renders now; `source=live`: the app's objects on its cluster. */
export const ManifestsQuery = z.object({
  source: z.preprocess(first, z.enum(['git', 'live'], { error: 'source must be git or live' })).optional(),
});

export const Manifests = z.object({
  source: z.enum(['git', 'live']),
  revision: z.string().optional(),
  items: z.array(z.looseObject({})),
});

/** A container name: a DNS label, as Kubernetes names them. */
const containerName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: 'container must be a DNS label' })
  .max(63, { error: 'container must be at most 63 characters' });

export const LogsQuery = z.object({
  container: z.preprocess(first, containerName).optional(),
  tailLines: clampedInt(1, 10_000, 100).optional(),
  sinceSeconds: clampedInt(1, 7 * 24 * 3600, 3600).optional(),
});

export const Logs = z.object({
  items: z.array(
    z.object({
      pod: z.string(),
      namespace: z.string(),
      container: z.string(),
      text: z.string().optional(),
      error: z.string().optional(),
    }),
  ),
  truncated: z.boolean(),
});

export const ServerVersion = z
  .looseObject({ name: z.literal('gitferry'), version: z.string(), commit: z.string(), node: z.string() })
  .openapi('ServerVersion');

export const CanIParams = z.object({
  resource: z.enum(resources).openapi({ param: { name: 'resource', in: 'path' } }),
  action: z.enum(actions).openapi({ param: { name: 'action', in: 'path' } }),
  object: z
    .string()
    .min(1)
    .max(600)
    .openapi({ param: { name: 'object', in: 'path' } }),
});

export const CanIAnswer = z.object({ value: z.enum(['yes', 'no']) }).openapi('CanI');

export const StreamEvents = z.string().openapi({ description: 'event: change\\ndata: {"app":"<name>"}' });
