// How errors become answers: RFC 9457 problems, chosen by the error's class in one table, so a
// new error type gets its status here and not by string codes scattered through the routes.
import type { Context } from 'hono';
import type { z } from '@hono/zod-openapi';
import { ManifestFormatError, ProjectFormatError } from '../domain/application-manifest.js';
import { InspectError } from '../control/inspect.js';
import { RollbackTargetError } from '../control/requests.js';
import { ClusterConfigError } from '../domain/cluster-credentials.js';
import { AppBusyError, GitferryError } from '../domain/errors.js';
import { NoOperationError } from '../control/terminate-operation.js';
import { redact } from '../domain/redact.js';
import { PolicyError } from '../auth/policy.js';

export type ProblemStatus = 400 | 401 | 403 | 404 | 406 | 409 | 413 | 422 | 500 | 501 | 502;

/** A problem a route raises itself (not found, conflict, bad input): answered as it says. */
export class ProblemError extends GitferryError {
  override name = 'ProblemError';
  constructor(
    readonly status: ProblemStatus,
    readonly title: string,
    detail: string,
    /** The request field at fault, when one is (an RFC 9457 extension member). */
    readonly field?: string,
  ) {
    super(`api:${status}`, detail);
  }
}

type ErrorClass = abstract new (...args: never[]) => GitferryError;

/**
 * Errors of the layers below, by class, with the status and title they are answered with. The
 * first class the error is an instance of wins; anything not listed is a 500 whose detail says
 * nothing (the server log has the message).
 */
const problemsByClass: [ErrorClass, ProblemStatus, string][] = [
  [ManifestFormatError, 422, 'Invalid Application'],
  [ProjectFormatError, 400, 'Invalid AppProject'],
  [PolicyError, 400, 'Invalid AppProject'],
  [ClusterConfigError, 400, 'Bad Request'],
  [AppBusyError, 409, 'Conflict'],
  [NoOperationError, 409, 'Conflict'],
  [RollbackTargetError, 404, 'Not Found'],
  [InspectError, 409, 'Conflict'],
];

/** The problem `err` is answered with, or undefined when it is an unexpected failure (500). */
export function problemOf(err: unknown): ProblemError | undefined {
  if (err instanceof ProblemError) return err;
  for (const [type, status, title] of problemsByClass)
    if (err instanceof type)
      return new ProblemError(
        status,
        title,
        err.message,
        err instanceof ClusterConfigError ? err.field : undefined,
      );
  return undefined;
}

/** A zod validation failure of a request part: a 400 naming the first field at fault. */
export function invalidRequest(error: z.ZodError): ProblemError {
  const issue = error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.join('.') : undefined;
  const missing = issue?.code === 'invalid_type' && /received undefined$/.test(issue.message);
  const detail = missing && field ? `${field} is required` : (issue?.message ?? 'the request is invalid');
  return new ProblemError(400, 'Bad Request', detail, field);
}

/** Details quote what callers and tools said (YAML errors, URLs): credentials are taken out. */
export function problem(c: Context, status: number, title: string, detail: string, field?: string): Response {
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
