// The StateStore contract against DynamoDbStateStore on the test bed's moto, plus what only this
// adapter has: chunk items under the 400 KB limit, the TTL attribute, the transaction budget.
import {
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import {
  DynamoDbStateStore,
  StateStoreError,
  type DynamoDbStateStoreOptions,
} from '../../shared/adapters/aws/dynamodb-state-store.js';
import { appPk, linksFilledKey, linksPrefix } from '../../shared/adapters/aws/dynamodb-keys.js';
import { createStateTable } from '../../shared/adapters/aws/dynamodb-table.js';
import type { App } from '../../shared/domain/app.js';
import { repoLinkTarget } from '../../shared/domain/app-links.js';
import type { InventoryEntry } from '../../shared/domain/kube-object.js';
import type { SyncRun } from '../../shared/domain/status.js';
import { awsClientConfig, uniqueName } from '../support/testbed.js';
import { describeStateStoreContract } from './state-store-contract.js';

interface DynamoDbUnderTest {
  store: DynamoDbStateStore;
  client: DynamoDBClient;
  tableName: string;
  dispose(): Promise<void>;
}

async function makeDynamoDbStore(opts: Partial<DynamoDbStateStoreOptions> = {}): Promise<DynamoDbUnderTest> {
  const client = new DynamoDBClient(awsClientConfig());
  const tableName = uniqueName('gitferry-state');
  await createStateTable(client, tableName);
  return {
    store: new DynamoDbStateStore(client, tableName, opts),
    client,
    tableName,
    async dispose() {
      await client.send(new DeleteTableCommand({ TableName: tableName }));
      client.destroy();
    },
  };
}

describeStateStoreContract('DynamoDB (moto)', () => makeDynamoDbStore());

// Small chunks and query pages: every document spans many items and every list many pages.
describeStateStoreContract('DynamoDB (moto) with 40 KB chunks and 25-item pages', () =>
  makeDynamoDbStore({ maxChunkBytes: 40_000, plainJsonMaxBytes: 1_024, queryPageSize: 25 }),
);

const hash = (...parts: (string | number)[]) => createHash('sha256').update(parts.join('/')).digest('hex');

function inventory(count: number, seed: string): InventoryEntry[] {
  return Array.from({ length: count }, (_, i) => ({
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    namespace: `ns-${i % 9}`,
    name: `d-${i}`,
    fingerprint: hash(seed, i),
  }));
}

function bigRun(app: string, id: number, results: number): SyncRun {
  return {
    app,
    id,
    revision: hash(app).slice(0, 40),
    reason: 'manual',
    phase: 'Succeeded',
    startedAt: '2026-03-01T10:00:00.000Z',
    results: Array.from({ length: results }, (_, i) => ({
      ref: { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'web', name: `cm-${i}` },
      action: 'configured',
      diff: Array.from({ length: 12 }, (_, j) => `+  k${j}: ${hash(app, id, i, j).slice(0, 32)}`).join('\n'),
    })),
  };
}

async function errorOf(promise: Promise<unknown>): Promise<StateStoreError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof StateStoreError) return err;
    throw err;
  }
  throw new Error('expected a StateStoreError, but the promise resolved');
}

describe('DynamoDbStateStore on moto', () => {
  let bed: DynamoDbUnderTest;
  beforeAll(async () => {
    bed = await makeDynamoDbStore();
  });
  afterAll(() => bed.dispose());

  async function itemsOf(app: string, prefix: string) {
    const out = await bed.client.send(
      new QueryCommand({
        TableName: bed.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': { S: `APP#${app}` }, ':p': { S: prefix } },
        ConsistentRead: true,
      }),
    );
    return out.Items ?? [];
  }

  test('createStateTable turns TTL on for the ttl attribute', async () => {
    const out = await bed.client.send(new DescribeTimeToLiveCommand({ TableName: bed.tableName }));

    expect(out.TimeToLiveDescription).toMatchObject({ AttributeName: 'ttl', TimeToLiveStatus: 'ENABLED' });
  });

  test('a large run is stored gzipped in chunks under 400 KB, and a smaller rewrite deletes the extra chunks', async () => {
    const app = uniqueName('app');
    const lease = (await bed.store.acquireLease(app, 'w', 60_000, Date.now()))!;
    const run = bigRun(app, 1, 3_000);
    await bed.store.commitStep(lease, { run });

    const chunks = await itemsOf(app, 'RUN#');
    expect(chunks.length).toBeGreaterThan(1);
    for (const item of chunks) expect(item.gz?.B?.length).toBeLessThanOrEqual(350_000);
    expect(Buffer.byteLength(JSON.stringify(run))).toBeGreaterThan(chunks.length * 350_000);
    expect(await bed.store.listRuns(app, 5)).toEqual([run]);

    const small = bigRun(app, 1, 2);
    await bed.store.commitStep(lease, { run: small });
    expect((await itemsOf(app, 'RUN#')).map((i) => i.sk?.S)).toEqual(['RUN#0000000001#0000']);
    expect(await bed.store.listRuns(app, 5)).toEqual([small]);
  });

  test('a small status is stored as readable JSON', async () => {
    const app = uniqueName('app');
    const lease = (await bed.store.acquireLease(app, 'w', 60_000, Date.now()))!;
    const status = {
      app,
      sync: { status: 'Synced' as const },
      health: { status: 'Healthy' as const },
      resources: [],
    };
    await bed.store.commitStep(lease, { status });

    const [item] = await itemsOf(app, 'STATUS#');
    expect(JSON.parse(item!.json!.S!)).toEqual(status);
  });

  test("an inventory over the drift view's budget is left out of the view (the pass reads it whole), and the step lands", async () => {
    const cluster = uniqueName('cluster');
    const viewOf = async (app: string) =>
      (await bed.store.listDriftViews(cluster)).find((v) => v.app === app);
    const app = uniqueName('app');
    await bed.store.putApp({
      name: app,
      project: 'default',
      sources: [{ repoURL: 'https://git.example.com/a.git', path: '.', targetRevision: 'main' }],
      destination: { name: cluster, namespace: 'web' },
      syncPolicy: {},
      ignoreDifferences: [],
      revisionHistoryLimit: 10,
      annotations: {},
    });
    const lease = (await bed.store.acquireLease(app, 'w', 60_000, Date.now()))!;
    const status = {
      app,
      sync: { status: 'Synced' as const },
      health: { status: 'Healthy' as const },
      resources: [],
    };

    // 400 entries: over plainJsonMaxBytes, so gzipped, and under the 32 KiB budget.
    await bed.store.commitStep(lease, { status, inventory: inventory(400, app) });
    expect((await viewOf(app))?.inventory).toEqual(inventory(400, app));
    const [copy] = await itemsOf(app, 'DRIFT#I');
    expect(copy?.docz?.B?.length).toBeLessThanOrEqual(32 * 1024);

    // 3,000 entries (~120 KB gzipped): the view says nothing of the inventory; the inventory is whole.
    await bed.store.commitStep(lease, { inventory: inventory(3_000, app) });
    expect(await viewOf(app)).toEqual({ app, status: { sync: 'Synced', health: 'Healthy' } });
    expect(await bed.store.getInventory(app)).toEqual(inventory(3_000, app));
    const [omitted] = await itemsOf(app, 'DRIFT#I');
    expect(omitted?.omitted?.BOOL).toBe(true);
    expect(omitted?.docz).toBeUndefined();
  });

  test('a delivery record carries its expiry in epoch seconds for DynamoDB TTL', async () => {
    const id = uniqueName('delivery');
    await bed.store.recordDelivery(id, 600, 1_767_225_600_500);

    const out = await bed.client.send(
      new GetItemCommand({
        TableName: bed.tableName,
        Key: { pk: { S: `DELIVERY#${id}` }, sk: { S: 'DELIVERY' } },
      }),
    );
    expect(out.Item?.ttl).toEqual({ N: String(1_767_225_600 + 600) });
  });

  test('audit entries and session revocations carry their expiry in epoch seconds for DynamoDB TTL', async () => {
    const now = Date.now();
    await bed.store.putRevocation({
      name: 'session:ttl-check',
      revokedAt: now,
      expiresAt: 1_767_225_600_500,
      revokedBy: 'admin',
    });
    const name = `${String(now).padStart(15, '0')}-ttlcheck`;
    await bed.store.appendAudit({
      name,
      at: now,
      subject: 'alice',
      groups: [],
      method: 'session',
      action: 'POST /api/v1/apps/web/sync',
      result: 'allowed',
      expiresAt: 1_767_225_700_000,
    });
    const ttlOf = async (pk: string, sk: string) =>
      (
        await bed.client.send(
          new GetItemCommand({ TableName: bed.tableName, Key: { pk: { S: pk }, sk: { S: sk } } }),
        )
      ).Item?.ttl;

    expect(await ttlOf('REVOKED#session:ttl-check', 'REVOKED')).toEqual({ N: '1767225601' });
    expect(await ttlOf(`AUDIT#${name}`, 'AUDIT')).toEqual({ N: '1767225700' });
  });

  test('a step over the transaction budget is refused naming the app and its parts, and writes nothing', async () => {
    const tight = new DynamoDbStateStore(bed.client, bed.tableName, { maxCommitBytes: 50_000 });
    const app = uniqueName('app');
    const lease = (await tight.acquireLease(app, 'w', 60_000, Date.now()))!;
    const err = await errorOf(
      tight.commitStep(lease, {
        status: { app, sync: { status: 'Synced' }, health: { status: 'Healthy' }, resources: [] },
        inventory: inventory(5_000, app),
      }),
    );

    expect(err.code).toBe('state:too-large');
    expect(err.message).toMatch(new RegExp(`^App/${app} step commit is \\d+ bytes .*inventory \\d+`));
    expect(await tight.getStatus(app)).toBeUndefined();
    expect(await tight.getInventory(app)).toEqual([]);
  });

  test('a definition larger than one item is refused naming it', async () => {
    const tight = new DynamoDbStateStore(bed.client, bed.tableName, {
      maxChunkBytes: 2_000,
      plainJsonMaxBytes: 500,
    });
    const name = uniqueName('cluster');
    const err = await errorOf(
      tight.putCluster({
        name,
        type: 'kubeconfig',
        server: 'https://10.0.0.1',
        tokenSecret: 's',
        caData: hash('x').repeat(200) + Array.from({ length: 200 }, (_, i) => hash(i)).join(''),
      }),
    );

    expect(err.code).toBe('state:too-large');
    expect(err.message).toMatch(new RegExp(`^Cluster/${name} is \\d+ bytes compressed`));
    expect(await tight.getCluster(name)).toBeUndefined();
  });

  test('reads racing commits see the old or the new inventory, never a mix of chunks', async () => {
    const racing = new DynamoDbStateStore(bed.client, bed.tableName, { maxChunkBytes: 20_000 });
    const app = uniqueName('app');
    const lease = (await racing.acquireLease(app, 'w', 60_000, Date.now()))!;
    const versions = [inventory(2_000, `${app}-a`), inventory(1_200, `${app}-b`)];
    await racing.commitStep(lease, { inventory: versions[0] });

    let writing = true;
    const writer = (async () => {
      for (let i = 1; i <= 12; i++) await racing.commitStep(lease, { inventory: versions[i % 2] });
      writing = false;
    })();
    const seen = new Set<number>();
    while (writing) {
      const read = await racing.getInventory(app);
      const which = versions.findIndex((v) => v.length === read.length);
      expect(read).toEqual(versions[which]);
      seen.add(which);
    }
    await writer;
    expect(seen.size).toBeGreaterThan(0);
  });

  test('a failing request names the app and keeps the cause', async () => {
    const missing = new DynamoDbStateStore(bed.client, uniqueName('no-such-table'));
    const err = await errorOf(missing.getStatus('web'));

    expect(err.code).toBe('state:request-failed');
    expect(err.message).toMatch(/^App\/web status read failed: ResourceNotFoundException/);
    expect(err.cause).toBeInstanceOf(Error);
  });
});

// Apps stored by a build before the links index have no link items, and the table no marker. The
// webhook (linkFill 'elsewhere', seconds to answer a push) must neither miss them nor spend its
// deadline writing thousands of links; the worker (the default) writes them once.
describe('links of apps stored before the index', () => {
  let bed: DynamoDbUnderTest;
  beforeAll(async () => (bed = await makeDynamoDbStore()));
  afterAll(() => bed.dispose());

  const appOf = (name: string, repoURL: string): App => ({
    name,
    project: 'default',
    sources: [{ repoURL, path: 'deploy', targetRevision: 'main' }],
    destination: { name: 'prod', namespace: name },
    syncPolicy: {},
    ignoreDifferences: [],
    revisionHistoryLimit: 10,
    annotations: {},
  });
  const linkItems = async (app: string) =>
    (
      await bed.client.send(
        new QueryCommand({
          TableName: bed.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :link)',
          ExpressionAttributeValues: { ':pk': { S: appPk(app) }, ':link': { S: linksPrefix } },
        }),
      )
    ).Items ?? [];
  const forgetLinks = async (app: string) => {
    for (const item of await linkItems(app))
      await bed.client.send(
        new DeleteItemCommand({ TableName: bed.tableName, Key: { pk: item.pk!, sk: item.sk! } }),
      );
  };
  const marker = async () =>
    (
      await bed.client.send(
        new GetItemCommand({
          TableName: bed.tableName,
          Key: { pk: { S: linksFilledKey.pk }, sk: { S: linksFilledKey.sk } },
        }),
      )
    ).Item;

  test('the webhook lists them by checking every app and writes nothing; the worker fills the index once', async () => {
    const shop = `https://git.example.com/${uniqueName('org')}/shop`;
    const names = ['a', 'b', 'c'].map((n) => uniqueName(`old-${n}`));
    await bed.store.putApp(appOf(names[0]!, shop));
    await bed.store.putApp(appOf(names[1]!, shop));
    await bed.store.putApp(appOf(names[2]!, `${shop}-other`));
    for (const name of names) await forgetLinks(name);
    const target = repoLinkTarget(shop)!;
    const sorted = (apps: App[]) => apps.map((a) => a.name).sort();

    const webhook = new DynamoDbStateStore(bed.client, bed.tableName, { linkFill: 'elsewhere' });
    expect(sorted(await webhook.listLinkedApps('repo', target))).toEqual(
      sorted([appOf(names[0]!, shop), appOf(names[1]!, shop)]),
    );
    expect(await linkItems(names[0]!)).toEqual([]);
    expect(await marker()).toBeUndefined();

    const worker = new DynamoDbStateStore(bed.client, bed.tableName);
    expect(sorted(await worker.listLinkedApps('repo', target))).toEqual([names[0], names[1]].sort());
    expect((await linkItems(names[0]!)).length).toBeGreaterThan(0);
    expect(await marker()).toBeDefined();

    // From now on the webhook reads the index: an app whose link item is gone is not listed.
    await forgetLinks(names[1]!);
    const later = new DynamoDbStateStore(bed.client, bed.tableName, { linkFill: 'elsewhere' });
    expect(sorted(await later.listLinkedApps('repo', target))).toEqual([names[0]]);
  });
});
