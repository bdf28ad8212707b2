// The API served over http on loopback with sign-in through a real OpenID provider, the test
// policy (test/fixtures/auth/policy.csv), and apps `web` (project team-a) and `pay` (team-b).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { createApiApp } from '../../shared/api/api-app.js';
import { openDatabase } from '../../shared/adapters/local/sqlite-database.js';
import { SqliteJobQueue } from '../../shared/adapters/local/sqlite-job-queue.js';
import { SqliteStateStore } from '../../shared/adapters/local/sqlite-state-store.js';
import { OidcSignIn } from '../../shared/auth/oidc.js';
import { SessionCodec } from '../../shared/auth/session.js';
import { buildAccess } from '../../shared/runtime/access.js';
import { silentLogger } from '../../shared/ports/logger.js';
import type { WakeUpHandler } from '../../shared/control/wake-up.js';
import { startOpenIdProvider, type OpenIdProvider } from './openid-provider.js';

export const policyCsv = readFileSync(new URL('../fixtures/auth/policy.csv', import.meta.url), 'utf8');

export function application(name: string, project: string) {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name },
    spec: {
      project,
      source: { repoURL: 'https://git.example.com/org/apps.git', path: name },
      destination: { name: 'prod', namespace: name },
    },
  };
}

export interface SignedInGitferry {
  url: string;
  op: OpenIdProvider;
  store: SqliteStateStore;
  stop(): Promise<void>;
}

export async function startSignedInGitferry(opts: { deviceFlow?: boolean } = {}): Promise<SignedInGitferry> {
  // The node server's bindings (the socket) are passed on: the audit's source comes from them.
  let fetchImpl: (r: Request, env: unknown) => Response | Promise<Response> = () =>
    new Response('starting', { status: 503 });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: (r, env) => fetchImpl(r, env), port: 0, hostname: '127.0.0.1' }, () =>
      resolve(s),
    );
  });
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const op = await startOpenIdProvider({ redirectUri: `${url}/auth/callback`, deviceFlow: opts.deviceFlow });
  const oidc = await OidcSignIn.discover({
    issuer: op.issuer,
    clientId: 'gitferry',
    clientSecret: 'gitferry-secret-for-tests-only',
    cliClientId: 'gitferry-cli',
  });
  // Served over http on loopback: the only case where cookies go without Secure.
  const sessions = new SessionCodec({ key: randomBytes(32), secure: false });
  const db = openDatabase(':memory:');
  const store = new SqliteStateStore(db);
  const access = await buildAccess(
    {
      adminToken: 'admin-token',
      rbacPolicyCsv: policyCsv,
      bearer: [oidc.bearerCheck()],
      session: sessions,
      store,
      sourceOf: (c) => getConnInfo(c).remote.address,
    },
    silentLogger,
  );
  const app = createApiApp({
    store,
    queue: new SqliteJobQueue(db),
    controller: {} as WakeUpHandler,
    log: silentLogger,
    now: Date.now,
    token: 'admin-token',
    access,
    signIn: { oidc, sessions, publicUrl: url, authenticator: access.authenticator },
  });
  fetchImpl = (r, env) => app.fetch(r, env as never);
  for (const [name, project] of [
    ['web', 'team-a'],
    ['pay', 'team-b'],
  ] as const) {
    const res = await fetch(`${url}/api/v1/apps`, {
      method: 'POST',
      headers: { authorization: 'Bearer admin-token', 'content-type': 'application/json' },
      body: JSON.stringify(application(name, project)),
    });
    if (res.status !== 201) throw new Error(`creating ${name} answered ${res.status}`);
  }
  return {
    url,
    op,
    store,
    stop: async () => {
      await op.stop();
      await new Promise<void>((r) => server.close(() => r()));
      db.close();
    },
  };
}
