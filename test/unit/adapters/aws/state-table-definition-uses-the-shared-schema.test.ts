import { stateTableDefinition, stateTableSchema } from '../../../../shared/adapters/aws/dynamodb-table.js';

test('the state table definition keys the table and its list index with the shared schema names', () => {
  const def = stateTableDefinition('state');
  const { partitionKey, sortKey, listIndex } = stateTableSchema;

  expect(def.KeySchema).toEqual([
    { AttributeName: partitionKey, KeyType: 'HASH' },
    { AttributeName: sortKey, KeyType: 'RANGE' },
  ]);
  expect(def.GlobalSecondaryIndexes).toEqual([
    expect.objectContaining({
      IndexName: listIndex.name,
      KeySchema: [
        { AttributeName: listIndex.partitionKey, KeyType: 'HASH' },
        { AttributeName: listIndex.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    }),
  ]);
  expect(def.AttributeDefinitions?.map((a) => a.AttributeName).sort()).toEqual(
    [partitionKey, sortKey, listIndex.partitionKey, listIndex.sortKey].sort(),
  );
  expect(def.BillingMode).toBe('PAY_PER_REQUEST');
});
