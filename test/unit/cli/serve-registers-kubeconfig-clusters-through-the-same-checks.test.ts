import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { serve, type RunningServer } from '../../../cli/serve.js';
import type { Logger } from '../../../shared/ports/logger.js';

function kubeconfig(contexts: { name: string; server: string; token?: string }[]) {
  return dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: contexts.map((c) => ({ name: `c-${c.name}`, cluster: { server: c.server } })),
    users: contexts.map((c) => ({ name: `u-${c.name}`, user: c.token ? { token: c.token } : {} })),
    contexts: contexts.map((c) => ({
      name: c.name,
      context: { cluster: `c-${c.name}`, user: `u-${c.name}` },
    })),
    'current-context': contexts[0]!.name,
  });
}

describe('serve --kubeconfig registers clusters through the same checks as the API', () => {
  let dir: string;
  let server: RunningServer;
  const warnings: string[] = [];
  const log: Logger = {
    info: () => {},
    warn: (m, e) => void warnings.push(`${m} ${JSON.stringify(e)}`),
    error: () => {},
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gitferry-serve-kc-'));
    const file = join(dir, 'kubeconfig');
    await writeFile(
      file,
      kubeconfig([
        { name: 'kind-dev', server: 'https://127.0.0.1:6443', token: 'dev-token' },
        // Context names become secret names: one with a slash could reach another secret.
        { name: 'x/../../webhooks/github', server: 'https://127.0.0.1:6444', token: 'attacker' },
        { name: 'Prod@Corp', server: 'https://127.0.0.1:6445', token: 't' },
      ]),
    );
    server = await serve({
      port: 0,
      host: '127.0.0.1',
      dataDir: join(dir, 'data'),
      kubeconfig: file,
      workers: 1,
      driftIntervalMs: 3_600_000,
      log,
    });
  });
  afterAll(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  test('a DNS-named context is registered with its token in its own 0600 secret', async () => {
    const { body } = await api('GET', '/api/v1/clusters');

    expect(body.items).toEqual([
      {
        name: 'kind-dev',
        type: 'kubeconfig',
        server: 'https://127.0.0.1:6443',
        tokenSecret: 'clusters/kind-dev/token',
        // Nothing has reached it yet (no app on it).
        connectionState: { status: 'Unknown', message: 'no worker has reached it yet' },
      },
    ]);
    const secret = join(dir, 'data', 'secrets', 'clusters', 'kind-dev', 'token');
    expect(await readFile(secret, 'utf8')).toBe('dev-token');
    expect((await stat(secret)).mode & 0o777).toBe(0o600);
  });

  test('contexts whose names are not DNS names are skipped, said so, and write no secret', async () => {
    expect(warnings.join('\n')).toContain('x/../../webhooks/github');
    expect(warnings.join('\n')).toContain('Prod@Corp');
    await expect(stat(join(dir, 'data', 'secrets', 'webhooks'))).rejects.toThrow('ENOENT');
  });

  test('the API may reuse a server the admin’s kubeconfig names, but no other loopback server', async () => {
    const same = await api('POST', '/api/v1/clusters', {
      name: 'a',
      server: 'https://127.0.0.1:6443',
      token: 't',
    });
    const other = await api('POST', '/api/v1/clusters', {
      name: 'b',
      server: 'https://127.0.0.1:10250',
      token: 't',
    });

    expect(same.status).toBe(201);
    expect(other).toMatchObject({ status: 400, body: { field: 'server' } });
  });
});
