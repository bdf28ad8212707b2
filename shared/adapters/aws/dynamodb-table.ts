import {
  CreateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';

/**
 * The state table's schema, shared by `createStateTable` (tests, local use) and the CDK construct,
 * so both always agree with what DynamoDbStateStore reads and writes. The item layout is
 * documented at the top of dynamodb-keys.ts.
 */
export const stateTableSchema = {
  /** Partition key (S): `APP#<name>`, `PROJECT#<name>`, `CLUSTER#<name>`, `DELIVERY#<id>`. */
  partitionKey: 'pk',
  /** Sort key (S): what the item is within its partition (`APP`, `STATUS#0000`, `RUN#…`, `LEASE`…). */
  sortKey: 'sk',
  /** The listing index: one partition per kind of definition, sorted by name. */
  listIndex: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  /** Epoch seconds; DynamoDB TTL removes webhook delivery records after it (eventually). */
  ttlAttribute: 'ttl',
} as const;

/** The table definition as a CreateTable input; billing is on demand (the bill scales with pushes). */
export function stateTableDefinition(tableName: string): CreateTableCommandInput {
  const { partitionKey, sortKey, listIndex } = stateTableSchema;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: partitionKey, AttributeType: 'S' },
      { AttributeName: sortKey, AttributeType: 'S' },
      { AttributeName: listIndex.partitionKey, AttributeType: 'S' },
      { AttributeName: listIndex.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: partitionKey, KeyType: 'HASH' },
      { AttributeName: sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: listIndex.name,
        KeySchema: [
          { AttributeName: listIndex.partitionKey, KeyType: 'HASH' },
          { AttributeName: listIndex.sortKey, KeyType: 'RANGE' },
        ],
        // Lists return whole definitions: projecting everything saves a read per item.
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

/**
 * Creates the state table, waits until it is ACTIVE and turns TTL on. For tests and local use;
 * deployed tables come from the CDK construct (with the same `stateTableSchema`).
 */
export async function createStateTable(
  client: DynamoDBClient,
  tableName: string,
  opts: { maxWaitSeconds?: number } = {},
): Promise<void> {
  await client.send(new CreateTableCommand(stateTableDefinition(tableName)));
  await waitUntilTableExists(
    { client, maxWaitTime: opts.maxWaitSeconds ?? 60, minDelay: 1 },
    { TableName: tableName },
  );
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: stateTableSchema.ttlAttribute, Enabled: true },
    }),
  );
}
