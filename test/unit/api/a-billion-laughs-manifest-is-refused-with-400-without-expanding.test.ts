import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { maxApiBodyNodes } from '../../../shared/api/api-app.js';
import { startServe } from '../../support/serve.js';
import { freePort } from '../../testbed/free-port.js';

/** An Application whose helm values hold 9^9 (387 million) strings by aliases, in under 1 KiB. */
function billionLaughsApplication(): string {
  const lines = [
    'apiVersion: argoproj.io/v1alpha1',
    'kind: Application',
    'metadata: {name: lol}',
    'spec:',
    '  project: default',
    '  destination: {name: in-cluster, namespace: lol}',
    '  source:',
    '    repoURL: https://git.example.com/lol.git',
    '    path: chart',
    '    helm:',
    '      valuesObject:',
    '        a0: &a0 "lol"',
  ];
  for (let i = 1; i <= 9; i++)
    lines.push(
      `        a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  return lines.join('\n') + '\n';
}

describe('YAML manifests posted to the API are bounded in aliases', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gitferry-lol-'));
  let serve: ChildProcess;
  let url: string;
  let headers: Record<string, string>;
  beforeAll(async () => {
    const started = await startServe({ port: await freePort(), dataDir });
    serve = started.child;
    url = started.url;
    headers = {
      authorization: `Bearer ${readFileSync(join(dataDir, 'api-token'), 'utf8').trim()}`,
      'content-type': 'application/yaml',
    };
  });
  afterAll(() => {
    serve.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  test.each(['/api/v1/apps', '/api/v1/projects'])(
    'billion laughs posted to %s is answered 400 quickly, and nothing is stored',
    async (path) => {
      const started = Date.now();
      const res = await fetch(`${url}${path}`, { method: 'POST', headers, body: billionLaughsApplication() });

      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({
        status: 400,
        detail: `body expands to more than ${maxApiBodyNodes} nodes (repeated aliases?)`,
      });
      expect(Date.now() - started).toBeLessThan(5_000);
      const apps = (await (await fetch(`${url}/api/v1/apps`, { headers })).json()) as { items: unknown[] };
      expect(apps.items).toEqual([]);
    },
  );

  test('the server is still answering afterwards', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  test('a few aliases within the bound are expanded into copies and accepted', async () => {
    const text = [
      'apiVersion: argoproj.io/v1alpha1',
      'kind: Application',
      'metadata: {name: shared}',
      'spec:',
      '  project: default',
      '  destination: {name: in-cluster, namespace: shared}',
      '  source:',
      '    repoURL: https://git.example.com/shared.git',
      '    path: chart',
      '    helm:',
      '      valuesObject: {a: &x [1, 2], b: *x}',
    ].join('\n');
    const res = await fetch(`${url}/api/v1/apps`, { method: 'POST', headers, body: text });

    expect(res.status).toBe(201);
    const { app } = (await res.json()) as {
      app: { sources: { helm: { valuesObject: Record<string, unknown> } }[] };
    };
    expect(app.sources[0]!.helm.valuesObject).toEqual({ a: [1, 2], b: [1, 2] });
    await fetch(`${url}/api/v1/apps/shared?cascade=false`, { method: 'DELETE', headers });
  });

  test('a syntax error names the line and column of the body, not its text', async () => {
    const res = await fetch(`${url}/api/v1/apps`, {
      method: 'POST',
      headers,
      body: 'kind: Application\nmetadata:\n  name: a\n   bad: indent hunter2\n',
    });

    expect(res.status).toBe(400);
    const detail = ((await res.json()) as { detail: string }).detail;
    expect(detail).toMatch(/^body:4:\d+: /);
    expect(detail).not.toContain('hunter2');
  });
});
