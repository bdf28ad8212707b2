import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { stateTableSchema } from '../shared/adapters/aws/dynamodb-table.js';

export interface StateTableProps {
  /** A customer managed key. @default the AWS managed key (aws/dynamodb) */
  readonly encryptionKey?: IKey;
  /** @default RETAIN: apps, clusters and history outlive a stack deletion */
  readonly removalPolicy?: RemovalPolicy;
  /** @default true */
  readonly deletionProtection?: boolean;
}

/**
 * The state table, built from `stateTableSchema` so the deployed keys, index and TTL attribute are
 * the ones DynamoDbStateStore uses. On demand (the bill scales with pushes), PITR on.
 */
export class StateTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: StateTableProps = {}) {
    super(scope, id);
    const { partitionKey, sortKey, listIndex, ttlAttribute } = stateTableSchema;
    this.table = new Table(this, 'Table', {
      partitionKey: { name: partitionKey, type: AttributeType.STRING },
      sortKey: { name: sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: ttlAttribute,
      deletionProtection: props.deletionProtection ?? true,
      encryption: props.encryptionKey ? TableEncryption.CUSTOMER_MANAGED : TableEncryption.AWS_MANAGED,
      encryptionKey: props.encryptionKey,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: listIndex.name,
      partitionKey: { name: listIndex.partitionKey, type: AttributeType.STRING },
      sortKey: { name: listIndex.sortKey, type: AttributeType.STRING },
      // Lists return whole definitions (as in stateTableDefinition).
      projectionType: ProjectionType.ALL,
    });
  }
}
