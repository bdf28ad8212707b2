// Reading API request bodies once capBody has them in memory: manifests as YAML (aliases
// bounded) or JSON, and JSON objects checked against the schema their route documents. Parse
// errors name the position and the reason, never the body's text.
import type { RouteConfig, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { SourceError } from '../source/errors.js';
import { parseYamlValue } from '../source/yaml.js';
import type { JsonBodyOf } from './openapi.js';
import { ProblemError, invalidRequest } from './problems.js';

/** Bytes of an API request body: an Application or AppProject manifest is a few KiB. */
export const maxApiBodyBytes = 1024 * 1024;
/**
 * Nodes a YAML body may expand to. 1 MiB of YAML without aliases holds at most about 2 million;
 * a real Application, even with a large `helm.valuesObject`, holds thousands.
 */
export const maxApiBodyNodes = 100_000;

/** A manifest body (Application or AppProject): YAML with its aliases bounded, or JSON. */
export async function readManifest(c: Context): Promise<unknown> {
  // The body was capped in bytes as it arrived (capBody); here its YAML aliases are bounded.
  const text = await c.req.text();
  const json = (c.req.header('content-type') ?? '').includes('json');
  try {
    return json ? JSON.parse(text) : parseYamlValue(text, 'body', maxApiBodyNodes);
  } catch (err) {
    // `body:line:column: reason`, or `body expands to more than … nodes`; never the body's text.
    if (err instanceof SourceError) throw new ProblemError(400, 'Bad Request', err.message);
    throw new ProblemError(
      400,
      'Bad Request',
      `the body is not valid ${json ? 'JSON' : 'YAML'}: ${parseErrorDetail(err)}`,
    );
  }
}

/** The 413 capBody answers with once a body passes maxApiBodyBytes. */
export function apiBodyTooLarge(maxBytes: number): ProblemError {
  return new ProblemError(413, 'Payload Too Large', `request bodies are limited to ${maxBytes} bytes`);
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

/** A route that documents a JSON body (the only kind readJson takes). */
interface JsonBodyRoute {
  request: { body: { content: { 'application/json': { schema: z.ZodType } } } };
}

/**
 * A route's JSON body, checked against the schema its OpenAPI operation documents. Whatever the
 * content type (clients have always sent these without one), and an empty body is `{}`.
 */
export async function readJson<R extends RouteConfig & JsonBodyRoute>(
  c: Context,
  route: R,
): Promise<z.output<JsonBodyOf<R>>> {
  const schema = route.request.body.content['application/json'].schema as JsonBodyOf<R>;
  const text = await c.req.text();
  let body: unknown = {};
  if (text.trim() !== '') {
    try {
      body = JSON.parse(text) as unknown;
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        throw new Error('expected an object');
    } catch (err) {
      throw new ProblemError(400, 'Bad Request', `the body is not a JSON object: ${(err as Error).message}`);
    }
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw invalidRequest(parsed.error);
  return parsed.data as z.output<JsonBodyOf<R>>;
}
