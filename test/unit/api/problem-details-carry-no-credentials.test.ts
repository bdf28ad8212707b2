import { createApiApp } from '../../../shared/api/api-app.js';
import { silentLogger } from '../../../shared/ports/logger.js';
import type { StateStore } from '../../../shared/ports/state-store.js';
import type { WakeUpHandler } from '../../../shared/control/wake-up.js';

// Parser errors quote the body they choke on (js-yaml shows a snippet, JSON.parse the start of the
// text): a manifest carrying a credential URL must not get it echoed in the problem+json answer.
const token = 'ghp_Q7w8E9r0T1y2U3i4O5p6A7s8D9f0G1h2J3k4';

function api() {
  return createApiApp({
    store: { getApp: async () => undefined } as unknown as StateStore,
    queue: { send: async () => {} },
    controller: {} as WakeUpHandler,
    log: silentLogger,
    now: Date.now,
  });
}

async function problemOf(body: string, contentType: string) {
  const res = await api().request('/api/v1/apps', {
    method: 'POST',
    body,
    headers: { 'content-type': contentType },
  });
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  return { status: res.status, text: await res.text() };
}

describe('problem+json answers', () => {
  test('a broken YAML manifest with a credential URL is refused without echoing it', async () => {
    const yaml = [
      'apiVersion: argoproj.io/v1alpha1',
      'kind: Application',
      'spec:',
      '  source:',
      `    repoURL: https://deploy:${token}@github.com/acme/shop.git`,
      `    password: "${token}`,
      '      : : broken',
    ].join('\n');

    const { status, text } = await problemOf(yaml, 'application/yaml');

    expect(status).toBe(400);
    // The parser's reason and position, never a snippet of the body.
    expect(JSON.parse(text).detail).toBe('body:7:17: Missing closing "quote');
    // js-yaml's snippet cuts lines short: even a piece of the token must not appear.
    expect(text).not.toContain(token.slice(0, 8));
  });

  test('a JSON body that starts with a credential URL is refused without echoing it', async () => {
    const { status, text } = await problemOf(
      `https://deploy:${token}@github.com/acme/shop.git`,
      'application/json',
    );

    expect(status).toBe(400);
    expect(text).not.toContain(token.slice(0, 12));
  });
});
