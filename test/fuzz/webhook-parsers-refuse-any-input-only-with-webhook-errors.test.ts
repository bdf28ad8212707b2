import fc from 'fast-check';
import { parseWebhook, type WebhookSecrets } from '../../shared/webhooks/detect.js';
import { decodeLambdaBody, getHeader, type WebhookRequest } from '../../shared/webhooks/request.js';
import { WebhookError, type WebhookOutcome } from '../../shared/webhooks/types.js';
import { fuzzRuns } from '../support/fuzz.js';
import {
  fixture,
  githubRequest,
  githubSecret,
  gitlabRequest,
  gitlabToken,
} from '../unit/webhooks/requests.js';

// Whatever reaches the public webhook endpoint (any headers, any bytes; signed or not, since a
// repository's owner holds the secret too) ends as a push, an ignored event, or a WebhookError
// with its HTTP status. Anything else thrown would be a 5xx and, in Argo CD's case, a crash
// (CVE-2025-59531/-59537/-59538). Sizes are bounded; the body cap itself has its own tests.
const secrets: WebhookSecrets = { github: githubSecret, gitlab: gitlabToken };

/** Runs `parse` and fails on anything thrown that is not a WebhookError. */
function outcomeOf(parse: () => WebhookOutcome): WebhookOutcome | WebhookError {
  try {
    return parse();
  } catch (err) {
    if (err instanceof WebhookError) {
      expect([400, 401, 413]).toContain(err.httpStatus);
      return err;
    }
    throw err;
  }
}

/** A parsed push is well-formed whatever came in. */
function expectWellFormed(outcome: WebhookOutcome | WebhookError): void {
  if (outcome instanceof WebhookError || outcome.kind !== 'push') return;
  const { event } = outcome;
  expect(event.sha).toMatch(/^[0-9a-f]{40}$/);
  expect(typeof event.branch).toBe('string');
  expect(event.branch.length).toBeGreaterThan(0);
  expect(typeof event.deliveryId).toBe('string');
  expect(event.repoUrls.every((u) => typeof u === 'string')).toBe(true);
  if (event.changedFiles) expect(event.changedFiles.every((f) => typeof f === 'string')).toBe(true);
}

const headerNames = fc.oneof(
  fc.constantFrom(
    'X-GitHub-Event',
    'x-github-event',
    'X-GitHub-Delivery',
    'X-Hub-Signature-256',
    'x-hub-signature',
    'X-Gitlab-Event',
    'X-Gitlab-Token',
    'x-gitlab-instance',
    'Idempotency-Key',
    'X-Gitlab-Event-UUID',
    'content-type',
    '__proto__',
    'constructor',
  ),
  fc.string({ maxLength: 20 }),
);
const headerValues = fc.oneof(
  fc.constantFrom('push', 'Push Hook', 'ping', 'Tag Push Hook', githubSecret, gitlabToken, 'sha256=', ''),
  fc.string({ maxLength: 80 }),
  fc.constant(undefined),
);
const headers = fc.dictionary(headerNames, headerValues, { maxKeys: 8 });
const bodies = fc.oneof(
  fc.uint8Array({ maxLength: 2_048 }).map((b) => Buffer.from(b)),
  fc.jsonValue({ maxDepth: 6 }).map((v) => Buffer.from(JSON.stringify(v) ?? '')),
  fc.string({ maxLength: 512 }).map((s) => Buffer.from(s)),
);

/** Every path into a fixture object up to `depth`, for mutations. */
function pathsOf(value: unknown, depth = 4, prefix: string[] = []): string[][] {
  if (depth === 0 || value === null || typeof value !== 'object') return [prefix];
  return [
    prefix,
    ...Object.keys(value).flatMap((k) =>
      pathsOf((value as Record<string, unknown>)[k], depth - 1, [...prefix, k]),
    ),
  ];
}

function mutated(base: Record<string, unknown>, edits: [string[], unknown][]): Record<string, unknown> {
  const copy = structuredClone(base);
  edit: for (const [path, value] of edits) {
    if (path.length === 0) continue;
    let at: Record<string, unknown> = copy;
    for (const key of path.slice(0, -1)) {
      const next = at[key];
      if (next === null || typeof next !== 'object') continue edit;
      at = next as Record<string, unknown>;
    }
    // A fresh copy per edit: a value shared between edits could be made to contain itself.
    Object.defineProperty(at, path[path.length - 1]!, {
      value: structuredClone(value),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

const hostileValues = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.constantFrom('refs/heads/--upload-pack=/bin/sh', 'refs/heads/../../etc', '0'.repeat(40), '$(id)'),
  // An own `__proto__` key, as JSON.parse makes it.
  fc.constant('{"__proto__":{"polluted":true}}').map((text) => JSON.parse(text) as unknown),
);

function mutationsOf(name: string) {
  const base = fixture(name);
  const paths = pathsOf(base);
  return fc
    .array(fc.tuple(fc.constantFrom(...paths), hostileValues), { maxLength: 4 })
    .map((edits) => mutated(base, edits));
}

describe('webhook parsers under arbitrary input', () => {
  afterEach(() => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('arbitrary headers and bytes end as an outcome or a WebhookError', () => {
    fc.assert(
      fc.property(headers, bodies, (h, body) => {
        const req: WebhookRequest = { headers: h, body };
        expectWellFormed(outcomeOf(() => parseWebhook(req, secrets)));
      }),
      { numRuns: fuzzRuns() },
    );
  });

  test('signed GitHub bodies of any shape end as a well-formed push, ignored, or a WebhookError', () => {
    const events = fc.constantFrom('push', 'ping', 'create', 'delete', 'pull_request', '');
    fc.assert(
      fc.property(
        fc.oneof(mutationsOf('github-push.json'), fc.jsonValue({ maxDepth: 5 })),
        events,
        (payload, event) => {
          expectWellFormed(outcomeOf(() => parseWebhook(githubRequest(payload as object, event), secrets)));
        },
      ),
      { numRuns: fuzzRuns() },
    );
  });

  test('GitLab bodies with the right token, of any shape, end as a well-formed push, ignored, or a WebhookError', () => {
    const events = fc.constantFrom('Push Hook', 'Tag Push Hook', 'System Hook', 'Merge Request Hook', '');
    fc.assert(
      fc.property(
        fc.oneof(mutationsOf('gitlab-push.json'), fc.jsonValue({ maxDepth: 5 })),
        events,
        (payload, event) => {
          expectWellFormed(outcomeOf(() => parseWebhook(gitlabRequest(payload as object, event), secrets)));
        },
      ),
      { numRuns: fuzzRuns() },
    );
  });

  test('valid deliveries with hostile extra headers end as an outcome or a WebhookError', () => {
    fc.assert(
      fc.property(headers, fc.boolean(), (extra, github) => {
        const req = github
          ? githubRequest(fixture('github-push.json'), 'push', extra)
          : gitlabRequest(fixture('gitlab-push.json'), 'Push Hook', extra);
        expectWellFormed(outcomeOf(() => parseWebhook(req, secrets)));
      }),
      { numRuns: fuzzRuns() },
    );
  });

  test('Lambda bodies and header lookups take any text and fail only with WebhookError', () => {
    fc.assert(
      fc.property(
        fc.option(fc.string({ maxLength: 600 })),
        fc.boolean(),
        fc.nat(1_024),
        headers,
        (body, b64, cap, h) => {
          try {
            const bytes = decodeLambdaBody(body ?? undefined, b64, cap);
            expect(bytes.length).toBeLessThanOrEqual(cap);
            getHeader({ headers: h }, 'X-GitHub-Event');
          } catch (err) {
            if (!(err instanceof WebhookError)) throw err;
          }
        },
      ),
      { numRuns: fuzzRuns() },
    );
  });
});
