/**
 * DynamoDbStateStore: the StateStore port on one DynamoDB table (schema in dynamodb-table.ts).
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
 * | `PROJECT#<name>`  | `PROJECT`                  | a Project; gsi1pk `PROJECTS`, gsi1sk name         |
 * | `CLUSTER#<name>`  | `CLUSTER`                  | a Cluster; gsi1pk `CLUSTERS`, gsi1sk name         |
 * | `DELIVERY#<id>`   | `DELIVERY`                 | a seen webhook delivery; `ttl` (N, epoch seconds) |
 *
 * Everything about one app shares its partition, so deleteApp is one Query plus batched deletes,
 * and listRuns is one descending Query on the `RUN#` prefix (zero-padded ids sort numerically;
 * superseded runs, when skipped, are skipped after decoding and the Query pages on).
 *
 * Documents are JSON. Definitions and the request are one item each: `doc` (S, plain JSON) or,
 * above `plainJsonMaxBytes`, `docz` (B, gzip). Status, operation, inventory and runs can outgrow
 * DynamoDB's 400 KB item limit (5,000 inventory entries; 3,000 results with diffs), so they are
 * *chunked documents*: JSON, gzip-compressed when above `plainJsonMaxBytes`, cut into slices of at
 * most `maxChunkBytes`, one item per slice (`<PREFIX>#0000`, `#0001`…). Every chunk carries `i`
 * (its index), `n` (the count) and `gen` (a random id per write). A Query's isolation against a
 * transaction is only read-committed per item, so a reader could see chunks of two writes: it
 * accepts chunks 0..n-1 of one `gen` and otherwise reads again. Writers delete stale chunks (index
 * ≥ the new n) in the same transaction.
 *
 * Leases: acquire is one conditional UpdateItem (`ADD token 1`, only if absent or expired), so the
 * fencing token strictly increases; release sets `expiresAt` to 0 and keeps the token. commitStep
 * is ONE TransactWriteItems: a ConditionCheck on the lease (holder, token, expiresAt > Date.now())
 * plus every chunk put and stale-chunk delete, plus the conditional delete of the request it
 * consumed. DynamoDB caps a transaction at 100 items and 4 MB: a step over `maxCommitBytes` is
 * refused before any write with a `state:too-large` error naming the app and the parts' sizes
 * (compressed inventories and runs are far below it in practice: 5,000 entries ≈ 200 KB).
 *
 * Reads of one item or one partition are strongly consistent; lists use the GSI and are
 * eventually consistent on DynamoDB (a just-written definition can be missing for a moment).
 */
import { randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  BatchWriteItemCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type CancellationReason,
  type DynamoDBClient,
  type QueryCommandInput,
  type TransactWriteItem,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import type { App, Cluster, Project } from '../../domain/app.js';
import { GitferryError } from '../../domain/errors.js';
import type { InventoryEntry } from '../../domain/kube-object.js';
import type { AppStatus, SyncRun } from '../../domain/status.js';
import {
  checkName,
  LeaseLostError,
  StateStoreError,
  type Lease,
  type ListRunsOptions,
  type StateStore,
  type StepCommit,
  type StoredOperation,
  type SyncRequest,
} from '../../ports/state-store.js';
import { stateTableSchema } from './dynamodb-table.js';

/** A state store operation failed; the message starts with the app or object it concerns. */
export { StateStoreError };

export interface DynamoDbStateStoreOptions {
  /** Largest payload per chunk item, in bytes. Default 350,000: under the 400 KB item limit with room for keys. */
  maxChunkBytes: number;
  /** Documents whose JSON is at most this many bytes are stored as readable JSON; larger ones are gzipped. Default 16 KiB. */
  plainJsonMaxBytes: number;
  /** Payload budget of one commitStep transaction. Default 3,800,000 bytes: DynamoDB caps a transaction at 4 MB. */
  maxCommitBytes: number;
  /** Query page size (Limit). Default undefined: DynamoDB's 1 MB pages. Small values exercise paging in tests. */
  queryPageSize?: number;
  /** How often commitStep re-plans after a conflict on the request item or a concurrent transaction. Default 3. */
  commitAttempts: number;
  /** How often a read that caught a write half-way (chunks of two generations) is repeated. Default 5. */
  readAttempts: number;
}

export const defaultDynamoDbStateStoreOptions: DynamoDbStateStoreOptions = {
  maxChunkBytes: 350_000,
  plainJsonMaxBytes: 16 * 1024,
  maxCommitBytes: 3_800_000,
  queryPageSize: undefined,
  commitAttempts: 3,
  readAttempts: 5,
};

/** DynamoDB's cap on the number of items in one TransactWriteItems call. */
export const maxTransactionItems = 100;

type Item = Record<string, AttributeValue>;

/** One slice of a chunked document, as stored (see the header comment). */
export interface DocumentChunk {
  index: number;
  count: number;
  gen: string;
  /** Plain JSON (only when the document is a single uncompressed chunk). */
  json?: string;
  /** A slice of the gzip stream. */
  gz?: Uint8Array;
}

/** Splits a document into chunks: plain JSON when small, else gzip cut into `maxChunkBytes` slices. */
export function encodeChunks(
  value: unknown,
  opts: Pick<DynamoDbStateStoreOptions, 'maxChunkBytes' | 'plainJsonMaxBytes'>,
  gen: string = randomUUID(),
): DocumentChunk[] {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError('a stored document must be JSON, not undefined');
  const size = Buffer.byteLength(json);
  if (size <= opts.plainJsonMaxBytes && size <= opts.maxChunkBytes)
    return [{ index: 0, count: 1, gen, json }];
  const gz = gzipSync(json);
  const count = Math.max(1, Math.ceil(gz.length / opts.maxChunkBytes));
  return Array.from({ length: count }, (_, index) => ({
    index,
    count,
    gen,
    gz: gz.subarray(index * opts.maxChunkBytes, (index + 1) * opts.maxChunkBytes),
  }));
}

export type DecodeResult = { ok: true; value: unknown } | { ok: false; torn: boolean; reason: string };

/**
 * Joins chunks back into the document. `torn` = the chunks belong to two writes (a read that raced
 * a transaction; read again); otherwise the stored data itself is broken.
 */
export function decodeChunks(chunks: DocumentChunk[]): DecodeResult {
  const sorted = [...chunks].sort((a, b) => a.index - b.index);
  const first = sorted[0];
  if (!first || first.index !== 0) return { ok: false, torn: true, reason: 'chunk 0 is missing' };
  // Chunks at or beyond `count` are leftovers of a larger earlier write: not part of this document.
  const parts = sorted.filter((c) => c.index < first.count);
  if (parts.length !== first.count || parts.some((c, i) => c.index !== i || c.gen !== first.gen)) {
    return {
      ok: false,
      torn: true,
      reason: `expected ${first.count} chunks of write ${first.gen}, found ${parts.map((c) => `${c.index}/${c.gen}`).join(', ')}`,
    };
  }
  try {
    if (first.count === 1 && first.json !== undefined) return { ok: true, value: JSON.parse(first.json) };
    const slices = parts.map((c) => c.gz);
    if (slices.some((s) => s === undefined))
      return { ok: false, torn: false, reason: 'a chunk has no gzip data' };
    const text = gunzipSync(Buffer.concat(slices as Uint8Array[])).toString('utf8');
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, torn: false, reason: messageOf(err) };
  }
}

const appPk = (name: string) => `APP#${name}`;
const projectPk = (name: string) => `PROJECT#${name}`;
const clusterPk = (name: string) => `CLUSTER#${name}`;
const deliveryPk = (id: string) => `DELIVERY#${id}`;
const pad = (n: number, width: number) => String(n).padStart(width, '0');
const runPrefix = (id: number) => `RUN#${pad(id, 10)}#`;
const chunkSk = (prefix: string, index: number) => `${prefix}${pad(index, 4)}`;

const S = (s: string): AttributeValue => ({ S: s });
const N = (n: number): AttributeValue => ({ N: String(n) });

/** One chunked document being written: its key prefix, new chunks and extra attributes. */
interface PartWrite {
  what: string;
  prefix: string;
  chunks: DocumentChunk[];
  extra?: Item;
}

/** What commitStep's transaction was cancelled for, per item (AWS: `CancellationReasons`). */
interface Cancelled {
  name: string;
  CancellationReasons?: CancellationReason[];
}

export class DynamoDbStateStore implements StateStore {
  private readonly opts: DynamoDbStateStoreOptions;
  private readonly pkName = stateTableSchema.partitionKey;
  private readonly skName = stateTableSchema.sortKey;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    opts: Partial<DynamoDbStateStoreOptions> = {},
  ) {
    this.opts = { ...defaultDynamoDbStateStoreOptions, ...opts };
  }

  // ---- definitions -------------------------------------------------------------------------

  putApp(app: App): Promise<void> {
    return this.putDefinition(`App/${app.name}`, appPk(checkName('App', app.name)), 'APP', 'APPS', app);
  }

  getApp(name: string): Promise<App | undefined> {
    return this.getDefinition<App>(`App/${name}`, appPk(name), 'APP');
  }

  listApps(): Promise<App[]> {
    return this.listDefinitions<App>('APPS', 'apps');
  }

  async deleteApp(name: string): Promise<void> {
    const pk = appPk(checkName('App', name));
    await this.call(`App/${name}`, 'delete', async () => {
      // The definition first (new wake-ups find no app), then the lease (fences out a worker still
      // committing), then everything else left in the partition.
      await this.deleteItem(pk, 'APP');
      await this.deleteItem(pk, 'LEASE');
      const keys = await this.queryAll({
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': this.pkName, '#sk': this.skName },
        ExpressionAttributeValues: { ':pk': S(pk) },
        ProjectionExpression: '#pk, #sk',
      });
      await this.batchDelete(keys);
    });
  }

  putProject(project: Project): Promise<void> {
    const pk = projectPk(checkName('Project', project.name));
    return this.putDefinition(`Project/${project.name}`, pk, 'PROJECT', 'PROJECTS', project);
  }

  getProject(name: string): Promise<Project | undefined> {
    return this.getDefinition<Project>(`Project/${name}`, projectPk(name), 'PROJECT');
  }

  listProjects(): Promise<Project[]> {
    return this.listDefinitions<Project>('PROJECTS', 'projects');
  }

  putCluster(cluster: Cluster): Promise<void> {
    const pk = clusterPk(checkName('Cluster', cluster.name));
    return this.putDefinition(`Cluster/${cluster.name}`, pk, 'CLUSTER', 'CLUSTERS', cluster);
  }

  getCluster(name: string): Promise<Cluster | undefined> {
    return this.getDefinition<Cluster>(`Cluster/${name}`, clusterPk(name), 'CLUSTER');
  }

  listClusters(): Promise<Cluster[]> {
    return this.listDefinitions<Cluster>('CLUSTERS', 'clusters');
  }

  deleteCluster(name: string): Promise<void> {
    return this.call(`Cluster/${name}`, 'delete', () => this.deleteItem(clusterPk(name), 'CLUSTER'));
  }

  // ---- sync state --------------------------------------------------------------------------

  getStatus(app: string): Promise<AppStatus | undefined> {
    return this.readPart(app, 'status', 'STATUS#') as Promise<AppStatus | undefined>;
  }

  getOperation(app: string): Promise<StoredOperation | undefined> {
    return this.readPart(app, 'operation', 'OP#') as Promise<StoredOperation | undefined>;
  }

  async getInventory(app: string): Promise<InventoryEntry[]> {
    return ((await this.readPart(app, 'inventory', 'INV#')) as InventoryEntry[] | undefined) ?? [];
  }

  listRuns(app: string, limit: number, opts: ListRunsOptions = {}): Promise<SyncRun[]> {
    const skip = opts.includeSuperseded === false;
    const keep = skip ? (run: SyncRun) => !run.superseded : () => true;
    return this.call(`App/${app}`, 'run history read', async () => {
      if (limit <= 0) return [];
      let reason = '';
      for (let attempt = 0; attempt < this.opts.readAttempts; attempt++) {
        // Unfiltered, one item more than asked is enough; skipping, how many is unknown: full pages.
        const pageItems = skip
          ? this.opts.queryPageSize
          : Math.min(this.opts.queryPageSize ?? Infinity, limit + 1);
        const read = await this.newestRuns(appPk(app), limit, keep, pageItems);
        if (read.ok) return read.runs;
        reason = read.reason;
        if (!read.torn) break;
      }
      throw new StateStoreError('state:corrupt', `App/${app} run history is unreadable: ${reason}`);
    });
  }

  nextRunId(app: string): Promise<number> {
    return this.call(`App/${app}`, 'run id allocation', async () => {
      const out = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: this.key(appPk(checkName('App', app)), 'COUNTER'),
          UpdateExpression: 'ADD #value :one',
          ExpressionAttributeNames: { '#value': 'value' },
          ExpressionAttributeValues: { ':one': N(1) },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(out.Attributes?.value?.N);
    });
  }

  requestSync(app: string, request: SyncRequest): Promise<void> {
    return this.call(`App/${app}`, 'sync request', async () => {
      if (!Number.isFinite(request.requestedAt)) {
        throw new StateStoreError('state:invalid', `App/${app} sync request has no valid requestedAt`);
      }
      try {
        await this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: {
              ...this.key(appPk(checkName('App', app)), 'REQ'),
              requestedAt: N(request.requestedAt),
              ...this.encodeDoc(`App/${app} sync request`, request),
            },
            // Newest wins: an older request arriving late never replaces a newer one.
            ConditionExpression: 'attribute_not_exists(#pk) OR #requestedAt <= :at',
            ExpressionAttributeNames: { '#pk': this.pkName, '#requestedAt': 'requestedAt' },
            ExpressionAttributeValues: { ':at': N(request.requestedAt) },
          }),
        );
      } catch (err) {
        if (!isConditionFailed(err)) throw err;
      }
    });
  }

  getSyncRequest(app: string): Promise<SyncRequest | undefined> {
    return this.getDefinition<SyncRequest>(`App/${app} sync request`, appPk(app), 'REQ');
  }

  // ---- leases ------------------------------------------------------------------------------

  acquireLease(app: string, holder: string, ttlMs: number, now: number): Promise<Lease | undefined> {
    return this.call(`App/${app}`, 'lease acquisition', async () => {
      const expiresAt = now + ttlMs;
      try {
        const out = await this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: this.key(appPk(checkName('App', app)), 'LEASE'),
            // ADD makes the token 1 on a new item and previous + 1 otherwise: it never goes back,
            // not even for the same holder (each acquisition is a new fencing epoch).
            UpdateExpression: 'SET #holder = :holder, #expiresAt = :expiresAt ADD #token :one',
            ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt <= :now',
            ExpressionAttributeNames: {
              '#pk': this.pkName,
              '#holder': 'holder',
              '#expiresAt': 'expiresAt',
              '#token': 'token',
            },
            ExpressionAttributeValues: {
              ':holder': S(holder),
              ':expiresAt': N(expiresAt),
              ':now': N(now),
              ':one': N(1),
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return { app, holder, token: Number(out.Attributes?.token?.N), expiresAt };
      } catch (err) {
        if (isConditionFailed(err)) return undefined;
        throw err;
      }
    });
  }

  /** Frees the lease if it is still this one; releasing a lease already lost is a no-op. */
  releaseLease(lease: Lease): Promise<void> {
    return this.call(`App/${lease.app}`, 'lease release', async () => {
      try {
        await this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: this.key(appPk(lease.app), 'LEASE'),
            // expiresAt 0 frees it; the token stays so the next acquisition still counts up.
            UpdateExpression: 'SET #expiresAt = :zero',
            ConditionExpression: '#holder = :holder AND #token = :token',
            ExpressionAttributeNames: { '#holder': 'holder', '#expiresAt': 'expiresAt', '#token': 'token' },
            ExpressionAttributeValues: {
              ':zero': N(0),
              ':holder': S(lease.holder),
              ':token': N(lease.token),
            },
          }),
        );
      } catch (err) {
        if (!isConditionFailed(err)) throw err;
      }
    });
  }

  commitStep(lease: Lease, commit: StepCommit): Promise<void> {
    const subject = `App/${lease.app}`;
    return this.call(subject, 'step commit', async () => {
      const pk = appPk(checkName('App', lease.app));
      // Encode and size-check everything before any I/O: an oversized step writes nothing.
      const parts = this.partWrites(lease.app, commit);
      const writes = await this.planPartWrites(pk, parts);
      const leaseCheck: TransactWriteItem = {
        ConditionCheck: {
          TableName: this.tableName,
          Key: this.key(pk, 'LEASE'),
          ConditionExpression: '#holder = :holder AND #token = :token AND #expiresAt > :now',
          ExpressionAttributeNames: { '#holder': 'holder', '#token': 'token', '#expiresAt': 'expiresAt' },
          ExpressionAttributeValues: {
            ':holder': S(lease.holder),
            ':token': N(lease.token),
            ':now': N(Date.now()),
          },
        },
      };
      for (let attempt = 1; ; attempt++) {
        // The request is re-read every attempt: a newer one may have arrived (then it stays). The
        // last attempt leaves it out, so a request item that keeps changing cannot fail the step.
        const lastAttempt = attempt >= this.opts.commitAttempts;
        const consumeRequest =
          commit.consumedRequestAt !== undefined && !lastAttempt
            ? await this.planRequestDelete(pk, commit.consumedRequestAt)
            : undefined;
        const items = [leaseCheck, ...writes, ...(consumeRequest ? [consumeRequest] : [])];
        if (items.length > maxTransactionItems) {
          throw new StateStoreError(
            'state:too-large',
            `${subject} step commit needs ${items.length} items, over DynamoDB's ${maxTransactionItems}-item transaction limit`,
          );
        }
        try {
          await this.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
          return;
        } catch (err) {
          if ((err as Cancelled | undefined)?.name !== 'TransactionCanceledException') throw err;
          const reasons = (err as Cancelled).CancellationReasons ?? [];
          if (
            reasons[0]?.Code === 'ConditionalCheckFailed' ||
            (reasons.length === 0 && !(await this.isCurrent(lease)))
          ) {
            throw new LeaseLostError(
              `${subject} lease lost: token ${lease.token} of holder ${lease.holder} is no longer current; nothing was written`,
              { cause: err },
            );
          }
          const requestIndex = consumeRequest ? items.length - 1 : -1;
          const retryable =
            reasons.length > 0 &&
            reasons.every(
              (r, i) =>
                r.Code === 'None' ||
                r.Code === 'TransactionConflict' ||
                (i === requestIndex && r.Code === 'ConditionalCheckFailed'),
            );
          if (!retryable || lastAttempt) {
            const codes = reasons.map((r) => r.Code ?? '?').join(', ');
            throw new StateStoreError(
              'state:write-failed',
              `${subject} step commit was cancelled (${codes})`,
              {
                cause: err,
              },
            );
          }
        }
      }
    });
  }

  // ---- webhook deliveries ------------------------------------------------------------------

  recordDelivery(deliveryId: string, ttlSeconds: number, now: number): Promise<boolean> {
    return this.call(`Delivery/${deliveryId}`, 'record', async () => {
      const nowSeconds = Math.floor(now / 1000);
      try {
        await this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: {
              ...this.key(deliveryPk(checkName('Delivery', deliveryId)), 'DELIVERY'),
              [stateTableSchema.ttlAttribute]: N(nowSeconds + ttlSeconds),
              receivedAt: N(now),
            },
            // DynamoDB deletes expired items only eventually (moto never does): an expired record
            // counts as absent, so a redelivery after the window is new work again.
            ConditionExpression: 'attribute_not_exists(#pk) OR #ttl <= :now',
            ExpressionAttributeNames: { '#pk': this.pkName, '#ttl': stateTableSchema.ttlAttribute },
            ExpressionAttributeValues: { ':now': N(nowSeconds) },
          }),
        );
        return true;
      } catch (err) {
        if (isConditionFailed(err)) return false;
        throw err;
      }
    });
  }

  forgetDelivery(deliveryId: string): Promise<void> {
    return this.call(`Delivery/${deliveryId}`, 'forget', () =>
      this.deleteItem(deliveryPk(checkName('Delivery', deliveryId)), 'DELIVERY'),
    );
  }

  // ---- helpers -----------------------------------------------------------------------------

  private key(pk: string, sk: string): Item {
    return { [this.pkName]: S(pk), [this.skName]: S(sk) };
  }

  /** Runs one store operation; SDK errors are wrapped with the subject first, ours pass through. */
  private async call<T>(subject: string, action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof GitferryError || err instanceof LeaseLostError) throw err;
      throw new StateStoreError('state:request-failed', `${subject} ${action} failed: ${messageOf(err)}`, {
        cause: err,
      });
    }
  }

  /** A single-item document: readable JSON when small, gzip when large, refused when over an item. */
  private encodeDoc(subject: string, value: unknown): Item {
    const json = JSON.stringify(value);
    const size = Buffer.byteLength(json);
    if (size <= this.opts.plainJsonMaxBytes && size <= this.opts.maxChunkBytes) return { doc: S(json) };
    const gz = gzipSync(json);
    if (gz.length > this.opts.maxChunkBytes) {
      throw new StateStoreError(
        'state:too-large',
        `${subject} is ${gz.length} bytes compressed (${size} as JSON), over the ${this.opts.maxChunkBytes}-byte item budget (DynamoDB items are at most 400 KB)`,
      );
    }
    return { docz: { B: gz } };
  }

  private decodeDoc(subject: string, item: Item): unknown {
    try {
      if (item.doc?.S !== undefined) return JSON.parse(item.doc.S);
      if (item.docz?.B !== undefined) return JSON.parse(gunzipSync(item.docz.B).toString('utf8'));
    } catch (err) {
      throw new StateStoreError('state:corrupt', `${subject} is unreadable: ${messageOf(err)}`, {
        cause: err,
      });
    }
    throw new StateStoreError('state:corrupt', `${subject} is unreadable: the item has no document`);
  }

  private putDefinition(subject: string, pk: string, sk: string, listKey: string, value: { name: string }) {
    return this.call(subject, 'put', async () => {
      const { listIndex } = stateTableSchema;
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...this.key(pk, sk),
            [listIndex.partitionKey]: S(listKey),
            [listIndex.sortKey]: S(value.name),
            ...this.encodeDoc(subject, value),
          },
        }),
      );
    });
  }

  private getDefinition<T>(subject: string, pk: string, sk: string): Promise<T | undefined> {
    return this.call(subject, 'read', async () => {
      const out = await this.client.send(
        new GetItemCommand({ TableName: this.tableName, Key: this.key(pk, sk), ConsistentRead: true }),
      );
      return out.Item ? (this.decodeDoc(subject, out.Item) as T) : undefined;
    });
  }

  private listDefinitions<T>(listKey: string, what: string): Promise<T[]> {
    return this.call(`The ${what} list`, 'read', async () => {
      const { listIndex } = stateTableSchema;
      const items = await this.queryAll({
        IndexName: listIndex.name,
        KeyConditionExpression: '#k = :k',
        ExpressionAttributeNames: { '#k': listIndex.partitionKey },
        ExpressionAttributeValues: { ':k': S(listKey) },
      });
      return items.map((item) => this.decodeDoc(`${listKey} item ${item[listIndex.sortKey]?.S}`, item) as T);
    });
  }

  /** Every item of a query, following LastEvaluatedKey across pages. */
  private async queryAll(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          // GSIs support only eventually consistent reads.
          ConsistentRead: input.IndexName === undefined,
          Limit: this.opts.queryPageSize,
          ...input,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  private async readPart(app: string, what: string, prefix: string): Promise<unknown> {
    return this.call(`App/${app}`, `${what} read`, async () => {
      let reason = '';
      for (let attempt = 0; attempt < this.opts.readAttempts; attempt++) {
        const items = await this.queryPrefix(appPk(app), prefix);
        if (items.length === 0) return undefined;
        const decoded = decodeChunks(items.map(toChunk));
        if (decoded.ok) return decoded.value;
        reason = decoded.reason;
        if (!decoded.torn) break;
      }
      throw new StateStoreError('state:corrupt', `App/${app} ${what} is unreadable: ${reason}`);
    });
  }

  private queryPrefix(pk: string, prefix: string, projection?: string): Promise<Item[]> {
    return this.queryAll({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': this.pkName, '#sk': this.skName },
      ExpressionAttributeValues: { ':pk': S(pk), ':prefix': S(prefix) },
      ...(projection ? { ProjectionExpression: projection } : {}),
    });
  }

  /**
   * The newest `limit` runs that `keep` accepts, newest first. Items come newest run first (ids are
   * zero-padded, chunks follow their run), so a run is complete once an item of an older run, or
   * the end of the history, is seen. Superseded runs are skipped after decoding, which also covers
   * runs written before they were marked; pages continue until enough runs were kept.
   */
  private async newestRuns(
    pk: string,
    limit: number,
    keep: (run: SyncRun) => boolean,
    pageItems: number | undefined,
  ): Promise<{ ok: true; runs: SyncRun[] } | { ok: false; torn: boolean; reason: string }> {
    const runs: SyncRun[] = [];
    let current: { id: number; chunks: DocumentChunk[] } | undefined;
    const finish = (): { ok: false; torn: boolean; reason: string } | undefined => {
      if (!current) return undefined;
      const { id, chunks } = current;
      current = undefined;
      const decoded = decodeChunks(chunks);
      if (!decoded.ok) return { ok: false, torn: decoded.torn, reason: `run ${id}: ${decoded.reason}` };
      if (keep(decoded.value as SyncRun)) runs.push(decoded.value as SyncRun);
      return undefined;
    };
    let start: Item | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: { '#pk': this.pkName, '#sk': this.skName },
          ExpressionAttributeValues: { ':pk': S(pk), ':prefix': S('RUN#') },
          ScanIndexForward: false,
          ConsistentRead: true,
          Limit: pageItems,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) {
        const id = Number(item.run?.N);
        if (current && current.id !== id) {
          const failed = finish();
          if (failed) return failed;
          if (runs.length >= limit) return { ok: true, runs };
        }
        current ??= { id, chunks: [] };
        current.chunks.push(toChunk(item));
      }
      start = out.LastEvaluatedKey;
    } while (start);
    const failed = finish();
    return failed ?? { ok: true, runs: runs.slice(0, limit) };
  }

  /** The chunked documents a step writes, encoded and checked against the transaction budget. */
  private partWrites(app: string, commit: StepCommit): PartWrite[] {
    const subject = `App/${app}`;
    const parts: PartWrite[] = [];
    const encode = (value: unknown) => encodeChunks(value, this.opts);
    if (commit.status !== undefined) {
      if (commit.status.app !== app) {
        throw new StateStoreError(
          'state:invalid',
          `${subject} step commit carries the status of app ${commit.status.app}`,
        );
      }
      parts.push({ what: 'status', prefix: 'STATUS#', chunks: encode(commit.status) });
    }
    if (commit.operation !== undefined) {
      parts.push({
        what: 'operation',
        prefix: 'OP#',
        chunks: commit.operation ? encode(commit.operation) : [],
      });
    }
    if (commit.inventory !== undefined) {
      parts.push({ what: 'inventory', prefix: 'INV#', chunks: encode(commit.inventory) });
    }
    if (commit.run !== undefined) {
      const { run } = commit;
      if (run.app !== app) {
        throw new StateStoreError(
          'state:invalid',
          `${subject} step commit carries run ${run.id} of app ${run.app}`,
        );
      }
      if (!Number.isSafeInteger(run.id) || run.id < 0 || run.id >= 1e10) {
        throw new StateStoreError(
          'state:invalid',
          `${subject} run id ${run.id} is not an integer from 0 to 9999999999`,
        );
      }
      parts.push({
        what: `run ${run.id}`,
        prefix: runPrefix(run.id),
        chunks: encode(run),
        extra: { run: N(run.id) },
      });
    }
    const sizes = parts.map((p) => ({
      what: p.what,
      bytes: p.chunks.reduce((sum, c) => sum + chunkBytes(c), 0),
    }));
    const total = sizes.reduce((sum, s) => sum + s.bytes, 0);
    if (total > this.opts.maxCommitBytes) {
      throw new StateStoreError(
        'state:too-large',
        `${subject} step commit is ${total} bytes after compression (${sizes.map((s) => `${s.what} ${s.bytes}`).join(', ')}), over the ${this.opts.maxCommitBytes}-byte budget of one DynamoDB transaction (4 MB)`,
      );
    }
    return parts;
  }

  /** Puts of every new chunk plus deletes of the chunks a previous, larger write left beyond them. */
  private async planPartWrites(pk: string, parts: PartWrite[]): Promise<TransactWriteItem[]> {
    const existing = await Promise.all(parts.map((p) => this.queryPrefix(pk, p.prefix, '#pk, #sk')));
    return parts.flatMap((part, i) => {
      const fresh = new Set(part.chunks.map((c) => chunkSk(part.prefix, c.index)));
      const puts: TransactWriteItem[] = part.chunks.map((c) => ({
        Put: {
          TableName: this.tableName,
          Item: { ...this.key(pk, chunkSk(part.prefix, c.index)), ...part.extra, ...chunkAttributes(c) },
        },
      }));
      const deletes: TransactWriteItem[] = (existing[i] ?? [])
        .map((item) => item[this.skName]?.S)
        .filter((sk): sk is string => sk !== undefined && !fresh.has(sk))
        .map((sk) => ({ Delete: { TableName: this.tableName, Key: this.key(pk, sk) } }));
      return [...puts, ...deletes];
    });
  }

  /** The delete of the stored request if it is the one consumed (or older); undefined if newer or absent. */
  private async planRequestDelete(pk: string, consumedAt: number): Promise<TransactWriteItem | undefined> {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: this.key(pk, 'REQ'),
        ConsistentRead: true,
        ProjectionExpression: 'requestedAt',
      }),
    );
    const seen = out.Item?.requestedAt?.N;
    if (seen === undefined || Number(seen) > consumedAt) return undefined;
    return {
      Delete: {
        TableName: this.tableName,
        Key: this.key(pk, 'REQ'),
        ConditionExpression: '#requestedAt = :seen',
        ExpressionAttributeNames: { '#requestedAt': 'requestedAt' },
        ExpressionAttributeValues: { ':seen': { N: seen } },
      },
    };
  }

  /** Whether `lease` is still the stored one (for a cancellation that came without reasons). */
  private async isCurrent(lease: Lease): Promise<boolean> {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: this.key(appPk(lease.app), 'LEASE'),
        ConsistentRead: true,
      }),
    );
    const item = out.Item;
    return (
      item?.holder?.S === lease.holder &&
      Number(item.token?.N) === lease.token &&
      Number(item.expiresAt?.N) > Date.now()
    );
  }

  private async deleteItem(pk: string, sk: string): Promise<void> {
    await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: this.key(pk, sk) }));
  }

  /** Deletes items by key, 25 per BatchWriteItem, retrying unprocessed ones with backoff. */
  private async batchDelete(keys: Item[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 25) {
      let pending: WriteRequest[] = keys.slice(i, i + 25).map((key) => ({
        DeleteRequest: { Key: { [this.pkName]: key[this.pkName]!, [this.skName]: key[this.skName]! } },
      }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) {
          if (attempt > 8)
            throw new Error(`${pending.length} deletes stayed unprocessed after ${attempt} tries`);
          await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** attempt, 2_000)));
        }
        const out = await this.client.send(
          new BatchWriteItemCommand({ RequestItems: { [this.tableName]: pending } }),
        );
        pending = out.UnprocessedItems?.[this.tableName] ?? [];
      }
    }
  }
}

function chunkAttributes(c: DocumentChunk): Item {
  return {
    i: N(c.index),
    n: N(c.count),
    gen: S(c.gen),
    ...(c.json !== undefined ? { json: S(c.json) } : { gz: { B: c.gz ?? new Uint8Array() } }),
  };
}

function toChunk(item: Item): DocumentChunk {
  return {
    index: Number(item.i?.N),
    count: Number(item.n?.N),
    gen: item.gen?.S ?? '',
    json: item.json?.S,
    gz: item.gz?.B,
  };
}

function chunkBytes(c: DocumentChunk): number {
  return c.json !== undefined ? Buffer.byteLength(c.json) : (c.gz?.length ?? 0);
}

function isConditionFailed(err: unknown): boolean {
  return (err as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
}

function messageOf(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
