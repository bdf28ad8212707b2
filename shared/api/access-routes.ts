// Routes of access control under /api/v1: project tokens (issue, list, revoke) and the audit
// trail. Permissions are in authorize.ts's table like every other route's.
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { BlankEnv } from 'hono/types';
import { issueProjectToken } from '../auth/project-tokens.js';
import type { SessionRevocations } from '../auth/revocation.js';
import type { StateStore } from '../ports/state-store.js';
import { callerOf } from './authorize.js';
import { addRoute as route } from './openapi.js';
import { ProblemError } from './problems.js';
import { readJson } from './request-body.js';

const problem = {
  description: 'Problem',
  content: {
    'application/problem+json': { schema: z.looseObject({ title: z.string(), status: z.number() }) },
  },
};
const errors = { 400: problem, 401: problem, 403: problem, 404: problem } as const;
const name = z.string().openapi({
  param: { name: 'name', in: 'path' },
  pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$',
  maxLength: 253,
});
const TokenView = z
  .object({
    id: z.string(),
    project: z.string(),
    role: z.string(),
    issuedAt: z.number(),
    expiresAt: z.number().optional(),
    issuedBy: z.string(),
  })
  .openapi('ProjectToken');
const AuditView = z
  .looseObject({ at: z.number(), subject: z.string(), action: z.string(), result: z.string() })
  .openapi('AuditEntry');

export const issueToken = createRoute({
  method: 'post',
  path: '/projects/{name}/roles/{role}/tokens',
  summary: 'Issue a token acting as a project role (shown once; only its hash is kept)',
  request: {
    params: z.object({
      name,
      role: z.string().openapi({ param: { name: 'role', in: 'path' }, maxLength: 63 }),
    }),
    body: {
      content: {
        'application/json': {
          schema: z.object({ expiresIn: z.int().min(60).max(31_536_000).optional() }),
        },
      },
    },
  },
  responses: {
    201: {
      description: 'Issued',
      content: { 'application/json': { schema: TokenView.extend({ token: z.string() }) } },
    },
    ...errors,
  },
});

export const listTokens = createRoute({
  method: 'get',
  path: '/projects/{name}/tokens',
  summary: "A project's tokens (never their secrets)",
  request: { params: z.object({ name }) },
  responses: {
    200: {
      description: 'Tokens',
      content: { 'application/json': { schema: z.object({ items: z.array(TokenView) }) } },
    },
    ...errors,
  },
});

export const revokeToken = createRoute({
  method: 'delete',
  path: '/projects/{name}/tokens/{id}',
  summary: 'Revoke a project token (refused from then on)',
  request: {
    params: z.object({ name, id: z.string().openapi({ param: { name: 'id', in: 'path' }, maxLength: 64 }) }),
  },
  responses: {
    200: {
      description: 'Revoked',
      content: { 'application/json': { schema: z.object({ revoked: z.string() }) } },
    },
    ...errors,
  },
});

export const listAudit = createRoute({
  method: 'get',
  path: '/audit',
  summary: 'The audit trail, newest first: who did what, when, with what result',
  request: {
    query: z.object({
      app: z.string().max(253).optional(),
      limit: z.coerce.number().int().min(1).max(1000).optional(),
    }),
  },
  responses: {
    200: {
      description: 'Entries',
      content: { 'application/json': { schema: z.object({ items: z.array(AuditView) }) } },
    },
    ...errors,
  },
});

export const revokeSessions = createRoute({
  method: 'delete',
  path: '/users/{subject}/sessions',
  summary: 'Revoke every session and token of a user issued until now (admins)',
  request: {
    params: z.object({
      subject: z
        .string()
        .min(1)
        .max(512)
        .openapi({ param: { name: 'subject', in: 'path' } }),
    }),
  },
  responses: {
    200: {
      description: 'Revoked',
      content: {
        'application/json': {
          schema: z.object({ subject: z.string(), revokedAt: z.number(), until: z.number() }),
        },
      },
    },
    ...errors,
    501: problem,
  },
});

const view = (t: {
  name: string;
  project: string;
  role: string;
  issuedAt: number;
  expiresAt?: number;
  issuedBy: string;
}) => ({
  id: t.name,
  project: t.project,
  role: t.role,
  issuedAt: t.issuedAt,
  ...(t.expiresAt === undefined ? {} : { expiresAt: t.expiresAt }),
  issuedBy: t.issuedBy,
});

export function addAccessRoutes(
  v1: OpenAPIHono<BlankEnv>,
  store: StateStore,
  revocations?: SessionRevocations,
): void {
  route(v1, revokeSessions, async (c) => {
    const { subject } = c.req.valid('param');
    if (!revocations)
      throw new ProblemError(501, 'Not Implemented', 'this server keeps no session revocations');
    const done = await revocations.revokeUser(subject, callerOf(c)?.subject ?? 'unknown');
    return c.json({ subject, ...done }, 200);
  });

  route(v1, issueToken, async (c) => {
    const { name: projectName, role } = c.req.valid('param');
    const { expiresIn } = await readJson(c, issueToken);
    const project = await store.getProject(projectName);
    if (!project) throw new ProblemError(404, 'Not Found', `AppProject/${projectName} does not exist`);
    if (!project.roles?.some((r) => r.name === role))
      throw new ProblemError(404, 'Not Found', `AppProject/${projectName} has no role ${role}`);
    const { token, record } = await issueProjectToken(store, {
      project: projectName,
      role,
      issuedBy: callerOf(c)?.subject ?? 'unknown',
      expiresInSeconds: expiresIn,
    });
    return c.json({ ...view(record), token }, 201);
  });

  route(v1, listTokens, async (c) => {
    const items = await store.listProjectTokens(c.req.valid('param').name);
    return c.json({ items: items.sort((a, b) => a.issuedAt - b.issuedAt).map(view) }, 200);
  });

  route(v1, revokeToken, async (c) => {
    const { name: projectName, id } = c.req.valid('param');
    const token = await store.getProjectToken(id);
    if (!token || token.project !== projectName)
      throw new ProblemError(404, 'Not Found', `AppProject/${projectName} has no token ${id}`);
    await store.deleteProjectToken(id);
    return c.json({ revoked: id }, 200);
  });

  route(v1, listAudit, async (c) => {
    const { app, limit } = c.req.valid('query');
    return c.json({ items: await store.listAudit({ app, limit: limit ?? 100 }) }, 200);
  });
}
