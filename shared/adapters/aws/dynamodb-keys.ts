/**
 * The item layout of DynamoDbStateStore on its one table (schema in dynamodb-table.ts).
 *
 * Item layout (pk / sk, both strings):
 *
 * | pk                | sk                         | what                                              |
 * |-------------------|----------------------------|---------------------------------------------------|
 * | `APP#<name>`      | `APP`                      | the App definition; gsi1pk `APPS`, gsi1sk name     |
 * | `APP#<name>`      | `STATUS#<chunk>`           | AppStatus (chunked document, see below)           |
 * | `APP#<name>`      | `OP#<chunk>`               | StoredOperation in progress (chunked)             |
 * | `APP#<name>`      | `INV#<chunk>`              | the inventory (chunked)                           |
 * | `APP#<name>`      | `RUN#<id, 10 digits>#<chunk>` | one SyncRun (chunked), `run` = id              |
 * | `APP#<name>`      | `REQ`                      | the pending SyncRequest, `requestedAt` (N)        |
 * | `APP#<name>`      | `LEASE`                    | `holder` (S), `token` (N), `expiresAt` (N, ms)     |
 * | `APP#<name>`      | `COUNTER`                  | `value` (N): the last run id handed out           |
 * | `APP#<name>`      | `LINK#<link>#<target>`     | one of the app's links (domain/app-links.ts); gsi1pk `LINKS#<link>#<target>`, gsi1sk the app's name |
 * | `APP#<name>`      | `DRIFT#S`, `DRIFT#I`       | the status and inventory halves of its drift view (domain/drift-view.ts); gsi1pk `DRIFT#<destination>`, gsi1sk `<name>#S` / `<name>#I`, `app` (S) |
 * | `META`            | `APP-LINKS-2`              | set once the links of apps stored before them were written |
 * | `PROJECT#<name>`  | `PROJECT`                  | a Project; gsi1pk `PROJECTS`, gsi1sk name         |
 * | `CLUSTER#<name>`  | `CLUSTER`                  | a Cluster; gsi1pk `CLUSTERS`, gsi1sk name         |
 * | `DELIVERY#<id>`   | `DELIVERY`                 | a seen webhook delivery; `ttl` (N, epoch seconds) |
 * | `PTOKEN#<id>`     | `PTOKEN`                   | a ProjectToken (hashed); gsi1pk `PTOKENS`         |
 * | `AUDIT#<name>`    | `AUDIT`                    | an AuditEntry; gsi1pk `AUDIT`, gsi1sk name (time); `ttl` from its expiresAt |
 * | `REVOKED#<name>`  | `REVOKED`                  | a SessionRevocation; `ttl` from its expiresAt     |
 *
 * An app's links are written with its definition in one transaction (the App item carries
 * `linkGen`, a random id per write, so two concurrent writes of one app cannot interleave their
 * link changes); "the apps linked to X" is one Query of the list index on `LINKS#<link>#X` and a
 * read of each app found.
 *
 * A drift view's halves are written by the step that writes the status or inventory, in its
 * transaction: the status half holds the compared fields (a few hundred bytes), the inventory half
 * a copy of the inventory (one document, `omitted` (BOOL) instead when it is over
 * `maxDriftInventoryBytes` compressed). A drift pass reads a cluster's with one Query of the list
 * index on `DRIFT#<destination>`, billed by the bytes read instead of two reads per app.
 *
 * Everything about one app shares its partition, so deleteApp is one Query plus batched deletes,
 * and listRuns is one descending Query on the `RUN#` prefix (zero-padded ids sort numerically;
 * superseded runs, when skipped, are skipped after decoding and the Query pages on).
 *
 * Documents are JSON (the codec is dynamodb-chunks.ts). Definitions and the request are one item
 * each: `doc` (S, plain JSON) or, above `plainJsonMaxBytes`, `docz` (B, gzip). Status, operation,
 * inventory and runs can outgrow DynamoDB's 400 KB item limit (5,000 inventory entries; 3,000
 * results with diffs), so they are *chunked documents*: JSON, gzip-compressed when above
 * `plainJsonMaxBytes`, cut into slices of at most `maxChunkBytes`, one item per slice
 * (`<PREFIX>#0000`, `#0001`…). Every chunk carries `i` (its index), `n` (the count) and `gen` (a
 * random id per write). A Query's isolation against a transaction is only read-committed per
 * item, so a reader could see chunks of two writes: it accepts chunks 0..n-1 of one `gen` and
 * otherwise reads again. Writers delete stale chunks (index ≥ the new n) in the same transaction.
 *
 * Leases: acquire is one conditional UpdateItem (`ADD token 1`, only if absent or expired), so the
 * fencing token strictly increases; release sets `expiresAt` to 0 and keeps the token. commitStep
 * is ONE TransactWriteItems: a ConditionCheck on the lease (holder, token, expiresAt > the clock's
 * now) plus every chunk put and stale-chunk delete, plus the conditional delete of the request it
 * consumed. DynamoDB caps a transaction at 100 items and 4 MB: a step over `maxCommitBytes` is
 * refused before any write with a `state:too-large` error naming the app and the parts' sizes
 * (compressed inventories and runs are far below it in practice: 5,000 entries ≈ 200 KB).
 *
 * Reads of one item or one partition are strongly consistent; lists use the GSI and are
 * eventually consistent on DynamoDB (a just-written definition can be missing for a moment).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DefinitionKind, StatePart } from '../../ports/state-store-base.js';
import { stateTableSchema } from './dynamodb-table.js';

export type Item = Record<string, AttributeValue>;

export const pkName = stateTableSchema.partitionKey;
export const skName = stateTableSchema.sortKey;

const pad = (n: number, width: number) => String(n).padStart(width, '0');

export const appPk = (name: string) => `APP#${name}`;
export const deliveryPk = (id: string) => `DELIVERY#${id}`;

/** Where each kind of definition lives, and its partition in the list index. */
export const definitionKeys: Record<
  DefinitionKind,
  { pk: (name: string) => string; sk: string; listKey: string }
> = {
  App: { pk: appPk, sk: 'APP', listKey: 'APPS' },
  Project: { pk: (name) => `PROJECT#${name}`, sk: 'PROJECT', listKey: 'PROJECTS' },
  Cluster: { pk: (name) => `CLUSTER#${name}`, sk: 'CLUSTER', listKey: 'CLUSTERS' },
  ClusterState: { pk: (name) => `CLUSTER#${name}`, sk: 'STATE', listKey: 'CLUSTER-STATES' },
  ProjectToken: { pk: (name) => `PTOKEN#${name}`, sk: 'PTOKEN', listKey: 'PTOKENS' },
  AuditEntry: { pk: (name) => `AUDIT#${name}`, sk: 'AUDIT', listKey: 'AUDIT' },
  Revocation: { pk: (name) => `REVOKED#${name}`, sk: 'REVOKED', listKey: 'REVOKED' },
};

/** Sort keys of the single items in an app's partition, and of a delivery. */
export const requestSk = 'REQ';
export const leaseSk = 'LEASE';
export const counterSk = 'COUNTER';
export const deliverySk = 'DELIVERY';

/** An app's links (domain/app-links.ts): items in its partition, listed by target in the list index. */
export const linksPrefix = 'LINK#';
export const linkSk = (link: string, target: string) => `${linksPrefix}${link}#${target}`;
export const linkListKey = (link: string, target: string) => `LINKS#${link}#${target}`;
/**
 * The item that says the links of apps stored before links existed, or before the links they have
 * now (`-2`: repository links), have been written.
 */
export const linksFilledKey = { pk: 'META', sk: 'APP-LINKS-2' };

/** Sort-key prefixes of the chunked parts of an app's state. */
export const partPrefixes: Record<StatePart, string> = {
  status: 'STATUS#',
  operation: 'OP#',
  inventory: 'INV#',
};
export const runsPrefix = 'RUN#';
/** The halves of an app's drift view: items in its partition, listed by destination in the list index. */
export const driftSk = { status: 'DRIFT#S', inventory: 'DRIFT#I' } as const;
export const driftListKey = (destination: string) => `DRIFT#${destination}`;

/** One half of an app's drift view as an item (unmarshalled), filed under `destination`. */
export function driftViewItem(
  app: string,
  half: keyof typeof driftSk,
  destination: string,
  attributes: Record<string, unknown>,
): Record<string, unknown> {
  const { listIndex } = stateTableSchema;
  return {
    [pkName]: appPk(app),
    [skName]: driftSk[half],
    [listIndex.partitionKey]: driftListKey(destination),
    [listIndex.sortKey]: `${app}#${half === 'status' ? 'S' : 'I'}`,
    app,
    ...attributes,
  };
}

/**
 * DynamoDB's size of an item, which read and write units are billed by: its attribute names and
 * values (strings and binaries by their bytes, numbers by about one byte per two digits, booleans
 * one byte; top-level attributes only, as the store writes).
 */
export function itemBytes(item: Record<string, unknown>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(marshall(item, { removeUndefinedValues: true }))) {
    bytes += Buffer.byteLength(name);
    if (value.S !== undefined) bytes += Buffer.byteLength(value.S);
    else if (value.B !== undefined) bytes += value.B.length;
    else if (value.N !== undefined) bytes += Math.ceil(value.N.length / 2) + 1;
    else if (value.BOOL !== undefined) bytes += 1;
  }
  return bytes;
}
export const runPrefix = (id: number) => `${runsPrefix}${pad(id, 10)}#`;
export const chunkSk = (prefix: string, index: number) => `${prefix}${pad(index, 4)}`;

/** The primary key of an item, as DynamoDB takes it. */
export function itemKey(pk: string, sk: string): Item {
  return marshall({ [pkName]: pk, [skName]: sk });
}
