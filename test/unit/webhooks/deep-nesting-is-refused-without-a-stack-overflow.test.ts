import { parseGitHubWebhook } from '../../../shared/webhooks/github.js';
import { defaultWebhookOptions } from '../../../shared/webhooks/types.js';
import { fixtureBytes, githubRequest, githubSecret, webhookErrorOf } from './requests.js';

/** The push fixture with an extra field nested `levels` deep (the payload object itself is level 1). */
function pushNested(levels: number, open = '[', close = ']'): string {
  const text = fixtureBytes('github-push.json').toString('utf8');
  const extra = `"extra": ${open.repeat(levels - 1)}${close.repeat(levels - 1)},`;
  return `{${extra}${text.slice(1)}`;
}

describe('a signed payload nested too deeply is refused with 400', () => {
  test('a million open brackets: 400, not a RangeError, and quickly', () => {
    const body = '['.repeat(1_000_000);
    const started = performance.now();
    const err = webhookErrorOf(() => parseGitHubWebhook(githubRequest(body), githubSecret));

    expect([err.httpStatus, err.message]).toEqual([400, 'GitHub push payload: nests deeper than 64 levels']);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  test('one level past the limit, in objects', () => {
    const body = `{"a":${'{"a":'.repeat(64)}1${'}'.repeat(65)}`;

    expect(webhookErrorOf(() => parseGitHubWebhook(githubRequest(body), githubSecret)).httpStatus).toBe(400);
  });

  test('exactly at the limit is accepted', () => {
    const body = pushNested(defaultWebhookOptions.maxDepth);

    expect(parseGitHubWebhook(githubRequest(body), githubSecret).kind).toBe('push');
  });

  test('one past the limit is refused', () => {
    const body = pushNested(defaultWebhookOptions.maxDepth + 1);

    expect(webhookErrorOf(() => parseGitHubWebhook(githubRequest(body), githubSecret)).httpStatus).toBe(400);
  });

  test('brackets inside strings, escaped quotes included, do not count', () => {
    const note = '["\\"[[[[[[[[{{{{", "\\\\", "]]]]]]]]"]';
    const body = `{"ref":"refs/heads/main","after":"${'a'.repeat(40)}","repository":{"clone_url":"u"},"note":${note}}`;

    expect(parseGitHubWebhook(githubRequest(body), githubSecret, { maxDepth: 2 }).kind).toBe('push');
  });
});
