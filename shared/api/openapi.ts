/** The API's OpenAPI 3.1 document (what the CLI, the web UI and scripts use). */
const problem = {
  description: 'Problem',
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
};
const name = {
  name: 'name',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63 },
};
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const obj = { type: 'object' };
const manifestBody = {
  required: true,
  content: { 'application/yaml': { schema: { type: 'string' } }, 'application/json': { schema: obj } },
};
const errors = { '400': problem, '401': problem, '404': problem, '422': problem };

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Gitferry API',
    version: '0.1.0',
    description: 'Apps (Argo CD Applications), projects, clusters; sync, diff, history, rollback.',
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    schemas: {
      Problem: {
        type: 'object',
        properties: {
          type: { type: 'string' },
          title: { type: 'string' },
          status: { type: 'integer' },
          detail: { type: 'string' },
          field: { type: 'string', description: 'the request field at fault, when one is' },
        },
      },
    },
  },
  security: [{ bearer: [] }],
  paths: {
    '/api/v1/apps': {
      get: {
        summary: 'List apps',
        parameters: [
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500 } },
          { name: 'cursor', in: 'query', schema: { type: 'string' } },
        ],
        responses: { '200': { description: 'A page of apps', ...json(obj) }, ...errors },
      },
      post: {
        summary: 'Create an app from an Argo CD Application manifest',
        parameters: [{ name: 'upsert', in: 'query', schema: { type: 'boolean' } }],
        requestBody: manifestBody,
        responses: {
          '201': { description: 'Created', ...json(obj) },
          '200': { description: 'Replaced', ...json(obj) },
          '409': problem,
          '413': problem,
          ...errors,
        },
      },
    },
    '/api/v1/apps/{name}': {
      parameters: [name],
      get: {
        summary: 'An app with its status',
        responses: { '200': { description: 'The app', ...json(obj) }, ...errors },
      },
      delete: {
        summary: 'Delete an app (cascade deletes its objects)',
        parameters: [
          { name: 'cascade', in: 'query', schema: { type: 'boolean' } },
          {
            name: 'propagationPolicy',
            in: 'query',
            schema: { type: 'string', enum: ['foreground', 'background', 'orphan'] },
          },
        ],
        responses: { '200': { description: 'Deleted', ...json(obj) }, ...errors },
      },
    },
    '/api/v1/apps/{name}/sync': {
      parameters: [name],
      post: {
        summary: 'Request a sync',
        requestBody: json({
          type: 'object',
          properties: {
            revision: { type: 'string' },
            prune: { type: 'boolean' },
            dryRun: { type: 'boolean' },
          },
        }),
        responses: { '202': { description: 'Requested', ...json(obj) }, ...errors },
      },
    },
    '/api/v1/apps/{name}/refresh': {
      parameters: [name],
      post: {
        summary: 'Compare live with desired now',
        responses: { '202': { description: 'Requested', ...json(obj) }, ...errors },
      },
    },
    '/api/v1/apps/{name}/diff': {
      parameters: [name],
      get: {
        summary: 'Last comparison',
        responses: { '200': { description: 'Diff', ...json(obj) }, ...errors },
      },
    },
    '/api/v1/apps/{name}/history': {
      parameters: [name],
      get: {
        summary: 'Sync history, newest first (superseded pushes only with superseded=true)',
        parameters: [
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100 } },
          { name: 'superseded', in: 'query', schema: { type: 'boolean' } },
        ],
        responses: { '200': { description: 'History', ...json(obj) }, ...errors },
      },
    },
    '/api/v1/apps/{name}/rollback': {
      parameters: [name],
      post: {
        summary: 'Roll back to a history entry (pins the app to its revision)',
        requestBody: json({ type: 'object', properties: { id: { type: 'integer' } } }),
        responses: { '202': { description: 'Requested', ...json(obj) }, ...errors },
      },
    },
    '/api/v1/apps/{name}/pin': {
      parameters: [name],
      delete: {
        summary: 'Unpin after a rollback',
        responses: { '200': { description: 'Unpinned', ...json(obj) }, ...errors },
      },
    },
    '/api/v1/projects': {
      get: {
        summary: 'List projects',
        responses: { '200': { description: 'Projects', ...json(obj) }, ...errors },
      },
      post: {
        summary: 'Create a project from an AppProject manifest',
        requestBody: manifestBody,
        responses: { '201': { description: 'Created', ...json(obj) }, ...errors },
      },
    },
    '/api/v1/projects/{name}': {
      parameters: [name],
      get: {
        summary: 'A project',
        responses: { '200': { description: 'Project', ...json(obj) }, ...errors },
      },
    },
    '/api/v1/clusters': {
      get: {
        summary: 'List clusters',
        responses: { '200': { description: 'Clusters', ...json(obj) }, ...errors },
      },
      post: {
        summary: 'Register a cluster',
        requestBody: json({
          type: 'object',
          required: ['name'],
          properties: {
            name: { type: 'string', description: 'a DNS name' },
            server: {
              type: 'string',
              description: 'https:// URL; refused if it is or resolves to an internal address (URL guard)',
            },
            caData: { type: 'string', description: 'base64 PEM' },
            token: { type: 'string', description: "written to the cluster's own secret" },
            tokenSecret: {
              type: 'string',
              description:
                "only the cluster's own secret, `<prefix><name>/token` (`clusters/` locally, `gitferry/clusters/` on AWS); any other is a 400",
            },
            eksClusterName: { type: 'string' },
            region: { type: 'string' },
            roleArn: { type: 'string' },
          },
        }),
        responses: { '201': { description: 'Registered', ...json(obj) }, ...errors },
      },
    },
    '/api/v1/clusters/{name}': {
      parameters: [name],
      delete: {
        summary: 'Remove a cluster',
        responses: { '200': { description: 'Removed', ...json(obj) }, '409': problem, ...errors },
      },
    },
  },
} as const;
