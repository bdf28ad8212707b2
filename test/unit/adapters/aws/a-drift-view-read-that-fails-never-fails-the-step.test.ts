import { DynamoDbStateStore } from '../../../../shared/adapters/aws/dynamodb-state-store.js';
import type { Lease } from '../../../../shared/ports/state-store.js';
import { scriptedDynamoDb, transactions } from './fake-dynamodb-client.js';

const lease: Lease = { app: 'web', holder: 'w', token: 3, expiresAt: Date.now() + 60_000 };
const app = {
  name: 'web',
  project: 'default',
  sources: [{ repoURL: 'https://git.example.com/a.git', path: '.', targetRevision: 'main' }],
  destination: { name: 'prod', namespace: 'web' },
};
const status = {
  app: 'web',
  sync: { status: 'Synced' as const },
  health: { status: 'Healthy' as const },
  resources: [],
};
const skOf = (input: Record<string, unknown>) => (input.Key as { sk?: { S?: string } } | undefined)?.sk?.S;
const puts = (items: Record<string, unknown>[]) =>
  items.map((i) => (i.Put as { Item?: { sk?: { S?: string } } } | undefined)?.Item?.sk?.S).filter(Boolean);

describe("a read for an app's drift view that fails at commit", () => {
  test('where its inventory is filed: the step lands and files the stored inventory again', async () => {
    const { client, sent } = scriptedDynamoDb((name, input) => {
      if (name === 'Query') return { Items: [] };
      if (name === 'GetItem' && skOf(input) === 'APP')
        return { Item: { pk: { S: 'APP#web' }, sk: { S: 'APP' }, doc: { S: JSON.stringify(app) } } };
      if (name === 'GetItem') throw new Error('ProvisionedThroughputExceededException');
      return {};
    });
    await new DynamoDbStateStore(client, 't').commitStep(lease, { status });

    const [step] = transactions(sent);
    expect(puts(step!)).toEqual(['STATUS#0000', 'DRIFT#S', 'DRIFT#I']);
  });

  test("the app's definition: the step lands and removes the view's half instead of filing it", async () => {
    const { client, sent } = scriptedDynamoDb((name) => {
      if (name === 'Query') return { Items: [] };
      if (name === 'GetItem') throw new Error('ProvisionedThroughputExceededException');
      return {};
    });
    await new DynamoDbStateStore(client, 't').commitStep(lease, { status });

    const [step] = transactions(sent);
    expect(puts(step!)).toEqual(['STATUS#0000']);
    expect(
      step!.map((i) => (i.Delete as { Key?: { sk?: { S?: string } } } | undefined)?.Key?.sk?.S),
    ).toContain('DRIFT#S');
  });
});
