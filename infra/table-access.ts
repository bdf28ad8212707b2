import { PolicyStatement, type IRole } from 'aws-cdk-lib/aws-iam';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { stateTableSchema } from '../shared/adapters/aws/dynamodb-table.js';

// The actions DynamoDbStateStore actually sends (TransactWriteItems is authorised per item action,
// hence ConditionCheckItem). Narrower than Table.grantReadWriteData, which also allows Scan,
// streams and every index (`index/*`).
export const stateReadActions = ['dynamodb:GetItem', 'dynamodb:Query'];
export const stateWriteActions = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
];

function tableResources(table: ITable): string[] {
  return [table.tableArn, `${table.tableArn}/index/${stateTableSchema.listIndex.name}`];
}

/** Lets `role` read the state table (and its list index), and decrypt with a customer key if any. */
export function grantStateRead(table: ITable, role: IRole): void {
  role.addToPrincipalPolicy(
    new PolicyStatement({ actions: stateReadActions, resources: tableResources(table) }),
  );
  table.encryptionKey?.grantDecrypt(role);
}

/**
 * What the webhook does and nothing more: find the apps of a pushed repository (GetItem of the
 * marker saying the links index is filled, Query on the list index for their repo links, and
 * BatchGetItem of those apps, 100 a call; before the worker has filled the index, one Query of
 * every app instead), record a delivery and a wanted revision (PutItem). No UpdateItem or
 * DeleteItem; GetItem and BatchGetItem on the table reach no more than Query already does.
 */
export function grantWebhookIntake(table: ITable, role: IRole): void {
  role.addToPrincipalPolicy(
    new PolicyStatement({ actions: ['dynamodb:Query'], resources: tableResources(table) }),
  );
  role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem'],
      resources: [table.tableArn],
    }),
  );
  table.encryptionKey?.grantEncryptDecrypt(role);
}

/** Lets `role` read and write the state table, and use a customer key if any. */
export function grantStateReadWrite(table: ITable, role: IRole): void {
  role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: [...stateReadActions, ...stateWriteActions],
      resources: tableResources(table),
    }),
  );
  table.encryptionKey?.grantEncryptDecrypt(role);
}
