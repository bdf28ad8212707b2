// The small variant of bench/webhook-load.ts: the same mix (20 % redeliveries of a delivery id,
// 5 % bad signatures, branches moving on in rounds) through the Lambda handlers on moto and through
// `gitferry serve`. It asserts what must hold whatever the speed: no accepted delivery lost, no
// revision synced twice, no bad signature accepted, no server error, and the queue drained. Never time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { freePort } from '../testbed/free-port.js';
import { startControlPlane, type ControlPlane } from '../support/control-plane.js';
import { startServe, eventuallyWithServeLog, type ServeProcess } from '../support/serve.js';
import { eventually, kubectl, uniqueName } from '../support/testbed.js';
import {
  accepted,
  createLoadRepo,
  loadViolations,
  runWebhookLoad,
  tally,
  loadApp,
  loadApplicationYaml,
  type RunView,
} from '../support/webhook-load.js';

const apps = 5;
const rounds = 3;
const load = { apps, rounds, rate: 40, total: 120, duplicateFraction: 0.2, badSignatureFraction: 0.05 };

describe('a webhook load with duplicates and bad signatures', () => {
  const namespaces: string[] = [];
  afterAll(async () => {
    for (const ns of namespaces)
      await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
  });

  test('through the Lambda handlers on moto: every accepted push is woken, synced once, and the queue drains', async () => {
    const cp: ControlPlane = await startControlPlane();
    try {
      const ns = uniqueName('e2e-load');
      namespaces.push(ns);
      const repo = await createLoadRepo({ apps, rounds, configMapPrefix: 'load' });
      const appName = (i: number) => `${ns}-${i}`;
      for (let i = 0; i < apps; i++) await cp.store.putApp(loadApp(appName(i), repo, i, ns, cp.clusterName));

      const woken = new Set<string>();
      const onBody = (body: string) => {
        const id = (JSON.parse(body) as { deliveryId?: string }).deliveryId;
        if (id) woken.add(id);
      };
      let sending = true;
      // The worker runs while the load goes on, as Lambda's event source would run it.
      const worker = (async () => {
        while (sending) await cp.drain({ until: async () => !sending, timeoutMs: 600_000, onBody });
      })();
      const result = await runWebhookLoad(
        async (d) => {
          const res = await cp.webhook({ headers: d.headers, body: d.body });
          return { status: res.statusCode, body: res.body };
        },
        { ...load, repo, secret: cp.webhookSecret },
      ).finally(() => (sending = false));
      await worker;
      await cp.drain({ onBody, timeoutMs: 300_000 });

      const t = tally(result);
      expect({ ...t, accepted: t.accepted > 0 }).toEqual({
        ...t,
        accepted: true,
        badSignaturesAccepted: 0,
        serverErrors: 0,
        crashes: 0,
        other: 0,
      });
      // Each duplicate id was answered "duplicate" (or, raced with its first copy, at most once new).
      const acceptedIds = accepted(result).map((d) => d.deliveryId);
      expect(new Set(acceptedIds).size).toBe(acceptedIds.length);
      expect(acceptedIds.filter((id) => !woken.has(id))).toEqual([]);
      expect(await cp.queueDepth()).toEqual({ visible: 0, delayed: 0, inFlight: 0 });

      const finals = new Map<string, { revision?: string; sync?: string; runs: RunView[] }>();
      for (let i = 0; i < apps; i++) {
        const status = await cp.store.getStatus(appName(i));
        finals.set(appName(i), {
          revision: status?.sync.revision,
          sync: status?.sync.status,
          runs: await cp.store.listRuns(appName(i), 50),
        });
        expect(await cp.store.getOperation(appName(i))).toBeUndefined();
      }
      expect(loadViolations({ repo, apps, appName }, accepted(result), finals)).toEqual([]);
    } finally {
      cp.dispose();
    }
  });

  test('through gitferry serve: every accepted push is recorded, synced once, and its queue drains', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gitferry-load-serve-'));
    const secret = `load-${uniqueName('secret')}`;
    let server: ServeProcess | undefined;
    try {
      server = await startServe({
        port: await freePort(),
        dataDir,
        cluster: true,
        env: { GITFERRY_SECRET_WEBHOOKS_GITHUB: secret },
      });
      const { url } = server;
      const waitFor = eventuallyWithServeLog(() => server!);
      const token = (await import('node:fs')).readFileSync(join(dataDir, 'api-token'), 'utf8').trim();
      const ns = uniqueName('e2e-load');
      namespaces.push(ns);
      const repo = await createLoadRepo({ apps, rounds, configMapPrefix: 'load' });
      const appName = (i: number) => `${ns}-${i}`;
      for (let i = 0; i < apps; i++) {
        const res = await fetch(`${url}/api/v1/apps`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/yaml' },
          body: loadApplicationYaml(appName(i), repo, i, ns),
        });
        expect(res.status).toBe(201);
      }
      const result = await runWebhookLoad(
        async (d) => {
          const res = await fetch(`${url}/api/webhook`, { method: 'POST', headers: d.headers, body: d.body });
          return { status: res.status, body: await res.text() };
        },
        { ...load, repo, secret },
      );
      const t = tally(result);
      expect({ ...t, accepted: t.accepted > 0 }).toEqual({
        ...t,
        accepted: true,
        badSignaturesAccepted: 0,
        serverErrors: 0,
        crashes: 0,
        other: 0,
      });
      expect(server.child.exitCode).toBeNull();

      const db = new Database(join(dataDir, 'gitferry.db'), { readonly: true });
      try {
        const finalsNow = () => {
          const finals = new Map<string, { revision?: string; sync?: string; runs: RunView[] }>();
          for (let i = 0; i < apps; i++) {
            const row = db
              .prepare('SELECT status, operation FROM app_states WHERE app = ?')
              .get(appName(i)) as { status: string | null; operation: string | null } | undefined;
            const status = row?.status
              ? (JSON.parse(row.status) as { sync: { status: string; revision?: string } })
              : undefined;
            const runs = (
              db.prepare('SELECT doc FROM sync_runs WHERE app = ?').all(appName(i)) as { doc: string }[]
            ).map((r) => JSON.parse(r.doc) as RunView);
            finals.set(appName(i), {
              revision: row?.operation ? undefined : status?.sync.revision,
              sync: status?.sync.status,
              runs,
            });
          }
          return finals;
        };
        // Drained: converged, and no wake-up left but the health rechecks' delayed ones.
        await waitFor(
          'every app converged and the queue drained',
          async () =>
            loadViolations({ repo, apps, appName }, accepted(result), finalsNow()).length === 0 &&
            (db.prepare('SELECT count(*) AS n FROM job_messages').get() as { n: number }).n === 0
              ? true
              : undefined,
          240_000,
          500,
        ).catch((err: Error) => {
          throw new Error(
            `${err.message}\n${loadViolations({ repo, apps, appName }, accepted(result), finalsNow()).join('\n')}`,
          );
        });
        expect((db.prepare('SELECT count(*) AS n FROM dead_letters').get() as { n: number }).n).toBe(0);
        // Every accepted delivery is in the audit trail (recorded after its wake-ups were sent).
        const audit = (db.prepare('SELECT doc FROM audit_entries').all() as { doc: string }[])
          .map((r) => r.doc)
          .join('\n');
        expect(accepted(result).filter((d) => !audit.includes(d.deliveryId))).toEqual([]);
      } finally {
        db.close();
      }
      await eventually('serve still running', async () =>
        server!.child.exitCode === null ? true : undefined,
      );
    } finally {
      server?.child.kill('SIGTERM');
      rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    }
  });
});
