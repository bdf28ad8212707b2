import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { ClusterSessions } from '../../../shared/control/cluster-sessions.js';
import {
  ClusterConnectionReport,
  withConnectionStates,
} from '../../../shared/control/cluster-connection-report.js';
import { silentLogger } from '../../../shared/ports/logger.js';
import { defaultClusterBreakerOptions } from '../../../shared/engine/cluster-breaker.js';
import type { App } from '../../../shared/domain/app.js';
import { TestRepo } from '../../support/git.js';
import { startLocalControl, type LocalControl } from '../../support/local-control.js';
import { kubectl, testbed, uniqueName } from '../../support/testbed.js';

// A second cluster whose API server stops answering: a TCP gate on 127.0.0.1 that holds every
// connection without a byte in reply (a powered-off node behind a load balancer, a firewall that
// drops packets), and later forwards to the test bed's real kube-apiserver. While it holds, the
// first wake-up for it gives up after three attempts, and the wake-ups after it send nothing and
// say why, so the app on the healthy cluster syncs without waiting behind them. Once the gate
// forwards and the breaker's window has passed, the next wake-up's probe is answered and the apps
// sync. The wake-ups share one process's cluster sessions (serve's workers, a warm Lambda's
// invocations).
const configMap = (name: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name} }\ndata: { v: "1" }\n`;

/** Holds connections (counting them) or forwards them to `target`. */
class Gate {
  mode: 'hold' | 'forward' = 'hold';
  connections = 0;
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  constructor(private readonly target: URL) {
    this.server = createServer((client) => {
      this.connections++;
      this.sockets.add(client);
      client.on('close', () => this.sockets.delete(client));
      client.on('error', () => client.destroy());
      if (this.mode === 'hold') return;
      const upstream = createConnection({ host: this.target.hostname, port: Number(this.target.port) });
      this.sockets.add(upstream);
      upstream.on('close', () => this.sockets.delete(upstream));
      upstream.on('error', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
  }
  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('a cluster that stops answering', () => {
  let lc: LocalControl;
  let repo: TestRepo;
  let gate: Gate;
  let sha: string;
  const namespaces: string[] = [];
  const appOn = (cluster: string, path: string): App => {
    const ns = uniqueName('breaker');
    namespaces.push(ns);
    return {
      name: uniqueName(path),
      project: 'default',
      sources: [{ repoURL: repo.url, path, targetRevision: 'main' }],
      destination: { name: cluster, namespace: ns },
      // As Argo CD, an automated sync that failed is not tried again for the same revision: the
      // retry policy is what tries again once the cluster is back.
      syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'], retry: { limit: 2 } },
      ignoreDifferences: [],
      revisionHistoryLimit: 10,
      annotations: {},
    };
  };
  const push = async (app: App) => {
    await lc.store.requestSync(app.name, { reason: 'webhook', revision: sha, requestedAt: Date.now() });
    return { app: app.name, reason: 'webhook' as const, revision: sha, requestedAt: Date.now() };
  };

  beforeAll(async () => {
    lc = startLocalControl();
    repo = await TestRepo.create('breaker');
    sha = await repo.commit({ 'held/cm.yaml': configMap('held'), 'healthy/cm.yaml': configMap('healthy') });
    gate = new Gate(new URL(testbed().kube.server));
  });
  afterAll(async () => {
    await gate?.close();
    lc?.dispose();
    repo?.dispose();
    for (const ns of namespaces)
      await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
  });

  test('its wake-ups give up at once after the first, apps elsewhere sync, and it syncs once it answers again', async () => {
    const bed = testbed();
    const held = uniqueName('held-cluster');
    await lc.store.putCluster({
      name: held,
      type: 'kubeconfig',
      server: await gate.listen(),
      caData: readFileSync(bed.kube.caFile).toString('base64'),
      tokenSecret: `clusters/${held}/token`,
    });
    // Each attempt gives up after 400 ms without an answer (30 s by default). Two handlers on one
    // process's cluster sessions, as a warm Lambda makes one per invocation.
    // What they see of each cluster is recorded, as serve and the AWS worker record it.
    const sessions = new ClusterSessions({ report: new ClusterConnectionReport(lc.store, silentLogger) });
    const options = { engine: { client: { requestTimeoutMs: 400 } } };
    const handler = lc.handler(options, undefined, sessions);
    const nextInvocation = lc.handler(options, undefined, sessions);
    const onHeld = [appOn(held, 'held'), appOn(held, 'held'), appOn(held, 'held')];
    // Woken in a new container (below), and synced with the others once the cluster is back.
    const inNewContainer = appOn(held, 'held');
    const elsewhere = appOn(lc.clusterName, 'healthy');
    for (const app of [...onHeld, inNewContainer, elsewhere]) await lc.store.putApp(app);

    const timings: number[] = [];
    for (const [i, app] of onHeld.entries()) {
      const started = Date.now();
      await (i === 0 ? handler : nextInvocation).handle(await push(app));
      timings.push(Date.now() - started);
    }
    // The first wake-up's three attempts; none after (without the breaker: six per wake-up).
    expect(gate.connections).toBe(3);
    const messages = await Promise.all(
      onHeld.map(async (a) => (await lc.store.getStatus(a.name))?.operation?.message ?? ''),
    );
    for (const message of messages)
      expect(message).toMatch(
        new RegExp(
          `on cluster ${held}: not sent, its API server has not answered 3 requests in a row \\(last: no TLS handshake within [\\d.]+ s\\); the next try goes out after \\d{4}-\\d\\d-\\d\\dT`,
        ),
      );

    // The cluster list says so: the held cluster Failed with why, the test bed's Successful.
    await sessions.flushReports();
    const listed = async () =>
      Object.fromEntries(
        withConnectionStates(await lc.store.listClusters(), await lc.store.listClusterStates()).map((c) => [
          c.name,
          c.connectionState,
        ]),
      );
    expect((await listed())[held]).toEqual({
      status: 'Failed',
      message: expect.stringMatching(
        /^its API server has not answered 3 requests in a row \(last: no TLS handshake within/,
      ),
      attemptedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });

    // A new container (its own cluster sessions over the same store, as a Lambda scaling out)
    // starts from that record: it sends nothing to the held cluster either, and says why.
    const newContainer = lc.handler(
      options,
      undefined,
      new ClusterSessions({ report: new ClusterConnectionReport(lc.store, silentLogger) }),
    );
    const connectionsBefore = gate.connections;
    await newContainer.handle(await push(inNewContainer));
    expect(gate.connections).toBe(connectionsBefore);
    expect((await lc.store.getStatus(inNewContainer.name))?.operation?.message).toMatch(
      /not sent, its API server has not answered 3 requests in a row \(last: no TLS handshake within [\d.]+ s\); the next try goes out after/,
    );

    const startedElsewhere = Date.now();
    const outcomes = await lc.runChain(await push(elsewhere), { handler });
    expect(outcomes[0]).toBe('finished');
    expect((await lc.store.getStatus(elsewhere.name))?.sync).toMatchObject({
      status: 'Synced',
      revision: sha,
    });
    const elsewhereMs = Date.now() - startedElsewhere;

    // Back: the gate forwards to the real API server. Each app's retry (due 5 s after its failure,
    // run here when the breaker's window has passed) sends the probe, or follows it.
    gate.mode = 'forward';
    await new Promise((r) => setTimeout(r, defaultClusterBreakerOptions.openMs));
    for (const app of [...onHeld, inNewContainer]) {
      const retries = lc.sent.filter((s) => s.job.app === app.name && s.job.reason === 'retry');
      expect(retries).toHaveLength(1);
      const again = await lc.runChain(retries[0]!.job, { handler });
      expect(again[0]).toBe('finished');
      expect((await lc.store.getStatus(app.name))?.sync).toMatchObject({ status: 'Synced', revision: sha });
    }
    expect(
      await kubectl([
        'get',
        'configmap',
        'held',
        '-n',
        onHeld[0]!.destination.namespace!,
        '-o',
        'jsonpath={.data.v}',
      ]),
    ).toBe('1');
    await sessions.flushReports();
    const after = await listed();
    expect(after[held]).toMatchObject({ status: 'Successful', message: '' });
    expect(after[lc.clusterName]).toMatchObject({ status: 'Successful' });
    console.log(
      `held cluster: wake-ups took ${timings.join(', ')} ms, ${gate.connections} connections in all; the app elsewhere synced in ${elsewhereMs} ms; first message: ${messages[0]}`,
    );
  }, 120_000);
});
