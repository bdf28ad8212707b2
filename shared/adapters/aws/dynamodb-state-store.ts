/**
 * DynamoDbStateStore: the StateStore port on one DynamoDB table. The semantics are
 * BaseStateStore's; this file is only the I/O. The item layout and how documents, leases and step
 * commits map onto it are described in dynamodb-keys.ts, the document codec is dynamodb-chunks.ts.
 *
 * Rules that must hold atomically are DynamoDB condition expressions, each named after the
 * predicate of state-store-rules.ts it evaluates server-side; rules decided after a read call the
 * predicate itself.
 */
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type CancellationReason,
  type DynamoDBClient,
  type QueryCommandInput,
  type TransactWriteItem,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import type { App } from '../../domain/app.js';
import { appLinksOf, type AppLink } from '../../domain/app-links.js';
import type { DriftView } from '../../domain/drift-view.js';
import type { InventoryEntry } from '../../domain/kube-object.js';
import type { SyncRun } from '../../domain/status.js';
import { systemClock, type Clock } from '../../ports/clock.js';
import {
  BaseStateStore,
  expiringKinds,
  type DefinitionKind,
  type DriftViewWrite,
  type Definitions,
  type StatePart,
  type StateParts,
} from '../../ports/state-store-base.js';
import {
  leaseIsCurrent,
  leaseLost,
  requestConsumed,
  unreadable,
  type StoredLease,
} from '../../ports/state-store-rules.js';
import {
  StateStoreError,
  type DeliveryClaim,
  type Lease,
  type StepCommit,
  type SyncRequest,
} from '../../ports/state-store.js';
import {
  chunkAttributes,
  chunkBytes,
  chunkOf,
  decodeChunks,
  decodeDocument,
  encodeChunks,
  encodeDocument,
  type DocumentChunk,
} from './dynamodb-chunks.js';
import {
  appPk,
  chunkSk,
  counterSk,
  definitionKeys,
  deliveryPk,
  driftListKey,
  driftSk,
  driftViewItem,
  deliverySk,
  itemKey,
  leaseSk,
  linkListKey,
  linkSk,
  linksFilledKey,
  linksPrefix,
  partPrefixes,
  pkName,
  requestSk,
  runPrefix,
  runsPrefix,
  skName,
  type Item,
} from './dynamodb-keys.js';
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
  /**
   * The largest inventory, in bytes as stored (gzipped above plainJsonMaxBytes), copied into its
   * app's drift view; a larger one is read by the drift pass from the inventory itself. Default 32 KiB
   * (about 600 objects): the copy stays a small share of a step's transaction.
   */
  maxDriftInventoryBytes: number;
  /** Query page size (Limit). Default undefined: DynamoDB's 1 MB pages. Small values exercise paging in tests. */
  queryPageSize?: number;
  /** How often commitStep re-plans after a conflict on the request item or a concurrent transaction. Default 3. */
  commitAttempts: number;
  /** How often a read that caught a write half-way (chunks of two generations) is repeated. Default 5. */
  readAttempts: number;
  /** The time commitStep compares lease expiry against. Default the system clock (as SqliteStateStore). */
  clock: Clock;
  /**
   * Who writes the links of apps stored before this build indexed them (once per table).
   * `on-read` (default): the first read of links does, a few writes per app. `elsewhere`: reads
   * before that list every app and check each instead, for a caller with a short deadline (the
   * webhook), which must not spend it backfilling thousands of apps; the worker fills.
   */
  linkFill: 'on-read' | 'elsewhere';
}

export const defaultDynamoDbStateStoreOptions: DynamoDbStateStoreOptions = {
  maxChunkBytes: 350_000,
  plainJsonMaxBytes: 16 * 1024,
  maxCommitBytes: 3_800_000,
  maxDriftInventoryBytes: 32 * 1024,
  queryPageSize: undefined,
  commitAttempts: 3,
  readAttempts: 5,
  clock: systemClock,
  linkFill: 'on-read',
};

/** DynamoDB's cap on the number of items in one TransactWriteItems call. */
export const maxTransactionItems = 100;

/** One chunked document being written: its key prefix, new chunks and extra attributes. */
interface PartWrite {
  what: string;
  prefix: string;
  chunks: DocumentChunk[];
  extra?: Record<string, unknown>;
}

/** What commitStep's transaction was cancelled for, per item (AWS: `CancellationReasons`). */
interface Cancelled {
  name: string;
  CancellationReasons?: CancellationReason[];
}

type RunsRead = { ok: true; runs: SyncRun[] } | { ok: false; torn: boolean; reason: string };

/** The TTL attribute (epoch seconds) of a record that expires: DynamoDB deletes it after then. */
function ttlOf(kind: DefinitionKind, value: object): Record<string, number> {
  const expiresAt = (value as { expiresAt?: unknown }).expiresAt;
  if (!expiringKinds.has(kind) || typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) return {};
  return { [stateTableSchema.ttlAttribute]: Math.ceil(expiresAt / 1000) };
}

export class DynamoDbStateStore extends BaseStateStore {
  private readonly opts: DynamoDbStateStoreOptions;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    opts: Partial<DynamoDbStateStoreOptions> = {},
  ) {
    super(opts.clock ?? defaultDynamoDbStateStoreOptions.clock);
    this.opts = { ...defaultDynamoDbStateStoreOptions, ...opts };
  }

  // ---- definitions -------------------------------------------------------------------------

  protected async writeDefinition<K extends DefinitionKind>(kind: K, value: Definitions[K]): Promise<void> {
    const { pk, sk, listKey } = definitionKeys[kind];
    const { listIndex } = stateTableSchema;
    const document = encodeDocument(`${kind}/${value.name}`, value, this.opts);
    const item = {
      [pkName]: pk(value.name),
      [skName]: sk,
      [listIndex.partitionKey]: listKey,
      [listIndex.sortKey]: value.name,
      ...document,
      ...ttlOf(kind, value),
    };
    if (kind === 'App') return this.writeAppWithLinks(value as App, item);
    await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: marshall(item) }));
  }

  /**
   * The App item and its links in one transaction, conditional on the `linkGen` read with the old
   * links: a concurrent write of the same app makes it read and try again, so the links stored are
   * always those of the definition stored.
   */
  private async writeAppWithLinks(app: App, item: Record<string, unknown>): Promise<void> {
    const pk = appPk(app.name);
    for (let attempt = 1; ; attempt++) {
      const [stored, old] = await Promise.all([
        this.client.send(
          new GetItemCommand({
            TableName: this.tableName,
            Key: itemKey(pk, definitionKeys.App.sk),
            ConsistentRead: true,
            ProjectionExpression: 'linkGen',
          }),
        ),
        this.queryPrefix(pk, linksPrefix, '#pk, #sk'),
      ]);
      const seenGen = stored.Item ? unmarshall(stored.Item).linkGen : undefined;
      const wanted = appLinksOf(app);
      const wantedSks = new Set(wanted.map((l) => linkSk(l.link, l.target)));
      const { listIndex } = stateTableSchema;
      const items: TransactWriteItem[] = [
        {
          Put: {
            TableName: this.tableName,
            Item: marshall({ ...item, linkGen: randomUUID() }),
            ConditionExpression: typeof seenGen === 'string' ? '#gen = :gen' : 'attribute_not_exists(#gen)',
            ExpressionAttributeNames: { '#gen': 'linkGen' },
            ...(typeof seenGen === 'string'
              ? { ExpressionAttributeValues: marshall({ ':gen': seenGen }) }
              : {}),
          },
        },
        ...wanted.map((l) => ({
          Put: {
            TableName: this.tableName,
            Item: marshall({
              [pkName]: pk,
              [skName]: linkSk(l.link, l.target),
              [listIndex.partitionKey]: linkListKey(l.link, l.target),
              [listIndex.sortKey]: app.name,
            }),
          },
        })),
        ...old
          .filter((key) => !wantedSks.has(String(unmarshall(key)[skName])))
          .map((key) => ({ Delete: { TableName: this.tableName, Key: key } })),
      ];
      try {
        await this.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
        return;
      } catch (err) {
        const cancelled = (err as Cancelled | undefined)?.name === 'TransactionCanceledException';
        const reasons = cancelled ? ((err as Cancelled).CancellationReasons ?? []) : [];
        const raced = reasons.some(
          (r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict',
        );
        if (!raced || attempt >= this.opts.commitAttempts) throw err;
      }
    }
  }

  protected async readLinkedApps(link: AppLink, target: string): Promise<App[]> {
    if (!(await this.linksIndexed())) {
      // Every app, each checked against the link by the caller: right without the index.
      if (this.opts.linkFill === 'elsewhere') return this.readDefinitions('App');
      // One fill per process at a time: concurrent reads wait for it rather than each writing.
      this.filling ??= this.fillLinks().finally(() => (this.filling = undefined));
      await this.filling;
    }
    const { listIndex } = stateTableSchema;
    const items = await this.queryAll({
      IndexName: listIndex.name,
      KeyConditionExpression: '#k = :k',
      ExpressionAttributeNames: { '#k': listIndex.partitionKey, '#name': listIndex.sortKey },
      ExpressionAttributeValues: marshall({ ':k': linkListKey(link, target) }),
      ProjectionExpression: '#name',
    });
    const byPk = new Map(
      items.map((item) => String(unmarshall(item)[listIndex.sortKey])).map((n) => [appPk(n), n]),
    );
    const found = await this.batchRead([...byPk.keys()].map((pk) => itemKey(pk, definitionKeys.App.sk)));
    return found.map((item) => decodeDocument(`App/${byPk.get(String(item[pkName]))}`, item) as App);
  }

  /**
   * Items by key, 100 per BatchGetItem (strongly consistent), retrying unprocessed keys with
   * backoff; keys with no item are left out. A repository's 1,000 apps are 10 calls, not 1,000.
   */
  private async batchRead(keys: Item[]): Promise<Record<string, unknown>[]> {
    const found: Record<string, unknown>[] = [];
    for (let i = 0; i < keys.length; i += 100) {
      let pending = keys.slice(i, i + 100);
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) {
          if (attempt > 8)
            throw new StateStoreError(
              'state:request-failed',
              `reading ${pending.length} items: they stayed unprocessed after ${attempt} tries`,
            );
          await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** attempt, 2_000)));
        }
        const out = await this.client.send(
          new BatchGetItemCommand({
            RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } },
          }),
        );
        found.push(...(out.Responses?.[this.tableName] ?? []).map((raw) => unmarshall(raw)));
        pending = (out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Item[];
      }
    }
    return found;
  }

  private linksFilled = false;
  private filling?: Promise<void>;

  /** Whether this table's links were filled (its marker item is there); cached once true. */
  private async linksIndexed(): Promise<boolean> {
    if (this.linksFilled) return true;
    const marker = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: itemKey(linksFilledKey.pk, linksFilledKey.sk),
        ConsistentRead: true,
      }),
    );
    this.linksFilled = marker.Item !== undefined;
    return this.linksFilled;
  }

  /**
   * Once per table: the links of the apps a build before links stored (a few reads and writes per
   * app, then one marker item). Writing an app's links twice is harmless, so racing fillers are too.
   */
  private async fillLinks(): Promise<void> {
    // Links only, never the definition (a newer one may be written meanwhile): a link that is
    // no longer the app's is dropped by the read's check and by the app's next write.
    const { listIndex } = stateTableSchema;
    const limit = pLimit(16);
    const links = (await this.readDefinitions('App')).flatMap((app) =>
      appLinksOf(app).map((l) => ({ app: app.name, ...l })),
    );
    await Promise.all(
      links.map((l) =>
        limit(() =>
          this.client.send(
            new PutItemCommand({
              TableName: this.tableName,
              Item: marshall({
                [pkName]: appPk(l.app),
                [skName]: linkSk(l.link, l.target),
                [listIndex.partitionKey]: linkListKey(l.link, l.target),
                [listIndex.sortKey]: l.app,
              }),
            }),
          ),
        ),
      ),
    );
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: marshall({ [pkName]: linksFilledKey.pk, [skName]: linksFilledKey.sk, at: this.clock.now() }),
      }),
    );
    this.linksFilled = true;
  }

  protected async readDefinition<K extends DefinitionKind>(
    kind: K,
    name: string,
  ): Promise<Definitions[K] | undefined> {
    const { pk, sk } = definitionKeys[kind];
    return this.getDocument(`${kind}/${name}`, pk(name), sk) as Promise<Definitions[K] | undefined>;
  }

  protected async readAppsAfter(after: string | undefined, limit: number): Promise<App[]> {
    const { listIndex } = stateTableSchema;
    const apps: App[] = [];
    let start: Item | undefined;
    // The index's sort key is the name; DynamoDB orders it by UTF-8 bytes (code-unit order for
    // DNS labels). A page may stop short of Limit at 1 MB: read on until enough or none left.
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: listIndex.name,
          KeyConditionExpression: after === undefined ? '#k = :k' : '#k = :k AND #name > :after',
          ExpressionAttributeNames: {
            '#k': listIndex.partitionKey,
            ...(after === undefined ? {} : { '#name': listIndex.sortKey }),
          },
          ExpressionAttributeValues: marshall({
            ':k': definitionKeys.App.listKey,
            ...(after === undefined ? {} : { ':after': after }),
          }),
          Limit: limit - apps.length,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) {
        const row = unmarshall(item);
        apps.push(decodeDocument(`App/${String(row[listIndex.sortKey])}`, row) as App);
      }
      start = out.LastEvaluatedKey;
    } while (start && apps.length < limit);
    return apps;
  }

  protected async readDefinitions<K extends DefinitionKind>(kind: K): Promise<Definitions[K][]> {
    const { listIndex } = stateTableSchema;
    const items = await this.queryAll({
      IndexName: listIndex.name,
      KeyConditionExpression: '#k = :k',
      ExpressionAttributeNames: { '#k': listIndex.partitionKey },
      ExpressionAttributeValues: marshall({ ':k': definitionKeys[kind].listKey }),
    });
    return items.map((item) => {
      const row = unmarshall(item);
      return decodeDocument(`${kind}/${String(row[listIndex.sortKey])}`, row) as Definitions[K];
    });
  }

  protected async removeCluster(name: string): Promise<void> {
    await this.deleteItem(definitionKeys.Cluster.pk(name), definitionKeys.Cluster.sk);
    await this.deleteItem(definitionKeys.ClusterState.pk(name), definitionKeys.ClusterState.sk);
  }

  protected async removeDefinition(
    kind: 'ProjectToken' | 'AuditEntry' | 'Revocation',
    name: string,
  ): Promise<void> {
    await this.deleteItem(definitionKeys[kind].pk(name), definitionKeys[kind].sk);
  }

  protected async removeApp(name: string): Promise<void> {
    const pk = appPk(name);
    // The definition first (new wake-ups find no app), then the lease (fences out a worker still
    // committing), then everything else left in the partition.
    await this.deleteItem(pk, definitionKeys.App.sk);
    await this.deleteItem(pk, leaseSk);
    const keys = await this.queryAll({
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': pkName, '#sk': skName },
      ExpressionAttributeValues: marshall({ ':pk': pk }),
      ProjectionExpression: '#pk, #sk',
    });
    await this.batchDelete(`App/${name}`, keys);
  }

  // ---- sync state --------------------------------------------------------------------------

  protected async readPart<P extends StatePart>(app: string, part: P): Promise<StateParts[P] | undefined> {
    let reason = '';
    for (let attempt = 0; attempt < this.opts.readAttempts; attempt++) {
      const items = await this.queryPrefix(appPk(app), partPrefixes[part]);
      if (items.length === 0) return undefined;
      const decoded = decodeChunks(items.map((item) => chunkOf(unmarshall(item))));
      if (decoded.ok) return decoded.value as StateParts[P];
      reason = decoded.reason;
      if (!decoded.torn) break;
    }
    throw unreadable(`App/${app} ${part}`, reason);
  }

  protected async readRuns(app: string, limit: number, includeSuperseded: boolean): Promise<SyncRun[]> {
    const keep = includeSuperseded ? () => true : (run: SyncRun) => !run.superseded;
    let reason = '';
    for (let attempt = 0; attempt < this.opts.readAttempts; attempt++) {
      // Unfiltered, one item more than asked is enough; skipping, how many is unknown: full pages.
      const pageItems = includeSuperseded
        ? Math.min(this.opts.queryPageSize ?? Infinity, limit + 1)
        : this.opts.queryPageSize;
      const read = await this.newestRuns(appPk(app), limit, keep, pageItems);
      if (read.ok) return read.runs;
      reason = read.reason;
      if (!read.torn) break;
    }
    throw unreadable(`App/${app} run history`, reason);
  }

  protected async incrementRunCounter(app: string): Promise<number> {
    const out = await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: itemKey(appPk(app), counterSk),
        UpdateExpression: 'ADD #value :one',
        ExpressionAttributeNames: { '#value': 'value' },
        ExpressionAttributeValues: marshall({ ':one': 1 }),
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(unmarshall(out.Attributes ?? {}).value);
  }

  protected async writeRequestIfNewest(app: string, request: SyncRequest): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall({
            [pkName]: appPk(app),
            [skName]: requestSk,
            requestedAt: request.requestedAt,
            ...encodeDocument(`App/${app} sync request`, request, this.opts),
          }),
          // requestReplaces, evaluated by DynamoDB so that the comparison and the put are one step.
          ConditionExpression: 'attribute_not_exists(#pk) OR #requestedAt <= :at',
          ExpressionAttributeNames: { '#pk': pkName, '#requestedAt': 'requestedAt' },
          ExpressionAttributeValues: marshall({ ':at': request.requestedAt }),
        }),
      );
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
    }
  }

  protected readRequest(app: string): Promise<SyncRequest | undefined> {
    return this.getDocument(`App/${app} sync request`, appPk(app), requestSk) as Promise<
      SyncRequest | undefined
    >;
  }

  // ---- leases ------------------------------------------------------------------------------

  protected async takeLease(
    app: string,
    holder: string,
    expiresAt: number,
    now: number,
  ): Promise<number | undefined> {
    try {
      const out = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: itemKey(appPk(app), leaseSk),
          // ADD makes the token 1 on a new item and previous + 1 otherwise: it never goes back,
          // not even for the same holder (each acquisition is a new fencing epoch).
          UpdateExpression: 'SET #holder = :holder, #expiresAt = :expiresAt ADD #token :one',
          // leaseIsFree.
          ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt <= :now',
          ExpressionAttributeNames: {
            '#pk': pkName,
            '#holder': 'holder',
            '#expiresAt': 'expiresAt',
            '#token': 'token',
          },
          ExpressionAttributeValues: marshall({
            ':holder': holder,
            ':expiresAt': expiresAt,
            ':now': now,
            ':one': 1,
          }),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Number(unmarshall(out.Attributes ?? {}).token);
    } catch (err) {
      if (isConditionFailed(err)) return undefined;
      throw err;
    }
  }

  protected async freeLease(lease: Lease): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: itemKey(appPk(lease.app), leaseSk),
          // expiresAt 0 frees it; the token stays so the next acquisition still counts up.
          UpdateExpression: 'SET #expiresAt = :zero',
          // isSameLease.
          ConditionExpression: '#holder = :holder AND #token = :token',
          ExpressionAttributeNames: { '#holder': 'holder', '#expiresAt': 'expiresAt', '#token': 'token' },
          ExpressionAttributeValues: marshall({ ':zero': 0, ':holder': lease.holder, ':token': lease.token }),
        }),
      );
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
    }
  }

  protected async writeStep(
    lease: Lease,
    commit: StepCommit,
    driftView: DriftViewWrite | undefined,
  ): Promise<void> {
    const subject = `App/${lease.app}`;
    const pk = appPk(lease.app);
    // Encode and size-check everything before any I/O: an oversized step writes nothing.
    const parts = this.partWrites(lease.app, commit);
    const drift = driftView ? this.driftWrites(lease.app, driftView) : [];
    const writes = [...(await this.planPartWrites(pk, parts)), ...drift];
    const leaseCheck: TransactWriteItem = {
      ConditionCheck: {
        TableName: this.tableName,
        Key: itemKey(pk, leaseSk),
        // leaseIsCurrent.
        ConditionExpression: '#holder = :holder AND #token = :token AND #expiresAt > :now',
        ExpressionAttributeNames: { '#holder': 'holder', '#token': 'token', '#expiresAt': 'expiresAt' },
        ExpressionAttributeValues: marshall({
          ':holder': lease.holder,
          ':token': lease.token,
          ':now': this.clock.now(),
        }),
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
          throw leaseLost(lease, err);
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
          throw new StateStoreError('state:write-failed', `${subject} step commit was cancelled (${codes})`, {
            cause: err,
          });
        }
      }
    }
  }

  protected async readDriftInventoryDestination(app: string): Promise<string | undefined> {
    const { listIndex } = stateTableSchema;
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: itemKey(appPk(app), driftSk.inventory),
        ConsistentRead: true,
        ProjectionExpression: '#lk',
        ExpressionAttributeNames: { '#lk': listIndex.partitionKey },
      }),
    );
    const filed = out.Item ? unmarshall(out.Item)[listIndex.partitionKey] : undefined;
    const prefix = driftListKey('');
    return typeof filed === 'string' && filed.startsWith(prefix) ? filed.slice(prefix.length) : undefined;
  }

  protected async readDriftViews(destination: string): Promise<DriftView[]> {
    const { listIndex } = stateTableSchema;
    const items = await this.queryAll({
      IndexName: listIndex.name,
      KeyConditionExpression: '#lk = :lk',
      ExpressionAttributeNames: { '#lk': listIndex.partitionKey },
      ExpressionAttributeValues: marshall({ ':lk': driftListKey(destination) }),
    });
    const views = new Map<string, DriftView>();
    for (const item of items) {
      const row = unmarshall(item);
      const app = String(row.app);
      const view = views.get(app) ?? { app };
      views.set(app, view);
      if (row[skName] === driftSk.status)
        view.status = decodeDocument(`App/${app} drift view`, row) as DriftView['status'];
      else if (row[skName] === driftSk.inventory && row.omitted !== true)
        view.inventory = decodeDocument(`App/${app} inventory`, row) as InventoryEntry[];
    }
    return [...views.values()];
  }

  // ---- webhook deliveries ------------------------------------------------------------------

  protected async insertDelivery(id: string, ttlSeconds: number, now: number): Promise<boolean> {
    const nowSeconds = Math.floor(now / 1000);
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall({
            [pkName]: deliveryPk(id),
            [skName]: deliverySk,
            [stateTableSchema.ttlAttribute]: nowSeconds + ttlSeconds,
            receivedAt: now,
          }),
          // DynamoDB deletes expired items only eventually (moto never does): an expired record
          // counts as absent, so a redelivery after the window is new work again.
          ConditionExpression: 'attribute_not_exists(#pk) OR #ttl <= :now',
          ExpressionAttributeNames: { '#pk': pkName, '#ttl': stateTableSchema.ttlAttribute },
          ExpressionAttributeValues: marshall({ ':now': nowSeconds }),
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }

  // A put of an already expired record rather than a DeleteItem: insertDelivery treats it as
  // absent, and the webhook role needs no dynamodb:DeleteItem (it only queries and puts).
  protected async removeDelivery(id: string): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: marshall({
          [pkName]: deliveryPk(id),
          [skName]: deliverySk,
          [stateTableSchema.ttlAttribute]: 0,
        }),
      }),
    );
  }

  protected async claimDeliveryRecord(
    id: string,
    pendingSeconds: number,
    now: number,
  ): Promise<DeliveryClaim> {
    const nowSeconds = Math.floor(now / 1000);
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall({
            [pkName]: deliveryPk(id),
            [skName]: deliverySk,
            // A pending claim runs out like any record: then another copy may claim it.
            [stateTableSchema.ttlAttribute]: nowSeconds + pendingSeconds,
            pending: true,
            receivedAt: now,
          }),
          ConditionExpression: 'attribute_not_exists(#pk) OR #ttl <= :now',
          ExpressionAttributeNames: { '#pk': pkName, '#ttl': stateTableSchema.ttlAttribute },
          ExpressionAttributeValues: marshall({ ':now': nowSeconds }),
          // A copy that lost the claim learns what it lost to in the same call.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'new';
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
      const old = (err as { Item?: Item }).Item;
      if (old) {
        const found = unmarshall(old);
        const live = Number(found[stateTableSchema.ttlAttribute]) > nowSeconds;
        return live && found.pending !== true ? 'done' : 'pending';
      }
    }
    // Only a copy that lost the claim reads: it must tell a finished first copy from one under way.
    // A Query, not a GetItem: the webhook's role may query and put, nothing more (infra/table-access.ts).
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': pkName },
        ExpressionAttributeValues: marshall({ ':pk': deliveryPk(id) }),
        ConsistentRead: true,
      }),
    );
    const item = out.Items?.[0];
    const found = item ? unmarshall(item) : undefined;
    const live = found && Number(found[stateTableSchema.ttlAttribute]) > nowSeconds;
    // Gone or run out between the two calls: not known, so `pending` (the caller asks again).
    return live && found.pending !== true ? 'done' : 'pending';
  }

  protected async confirmDeliveryRecord(id: string, ttlSeconds: number, now: number): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: marshall({
          [pkName]: deliveryPk(id),
          [skName]: deliverySk,
          [stateTableSchema.ttlAttribute]: Math.floor(now / 1000) + ttlSeconds,
          receivedAt: now,
        }),
      }),
    );
  }

  // ---- helpers -----------------------------------------------------------------------------

  /** A single-document item (a definition, the request), or undefined if there is none. */
  private async getDocument(subject: string, pk: string, sk: string): Promise<unknown> {
    const out = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: itemKey(pk, sk), ConsistentRead: true }),
    );
    return out.Item ? decodeDocument(subject, unmarshall(out.Item)) : undefined;
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

  private queryPrefix(pk: string, prefix: string, projection?: string): Promise<Item[]> {
    return this.queryAll({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': pkName, '#sk': skName },
      ExpressionAttributeValues: marshall({ ':pk': pk, ':prefix': prefix }),
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
  ): Promise<RunsRead> {
    const runs: SyncRun[] = [];
    let current: { id: number; chunks: DocumentChunk[] } | undefined;
    const finish = (): RunsRead | undefined => {
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
          ExpressionAttributeNames: { '#pk': pkName, '#sk': skName },
          ExpressionAttributeValues: marshall({ ':pk': pk, ':prefix': runsPrefix }),
          ScanIndexForward: false,
          ConsistentRead: true,
          Limit: pageItems,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) {
        const row = unmarshall(item);
        const id = Number(row.run);
        if (current && current.id !== id) {
          const failed = finish();
          if (failed) return failed;
          if (runs.length >= limit) return { ok: true, runs };
        }
        current ??= { id, chunks: [] };
        current.chunks.push(chunkOf(row));
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return finish() ?? { ok: true, runs: runs.slice(0, limit) };
  }

  /**
   * Puts of the halves of the app's drift view a step writes (dynamodb-keys.ts), or their deletes
   * when the view has no destination.
   */
  private driftWrites(app: string, view: DriftViewWrite): TransactWriteItem[] {
    const { destination } = view;
    if (destination === undefined)
      return (['status', 'inventory'] as const)
        .filter((half) => view[half] !== undefined)
        .map((half) => ({ Delete: { TableName: this.tableName, Key: itemKey(appPk(app), driftSk[half]) } }));
    const put = (half: 'status' | 'inventory', attributes: Record<string, unknown>): TransactWriteItem => ({
      Put: { TableName: this.tableName, Item: marshall(driftViewItem(app, half, destination, attributes)) },
    });
    const puts: TransactWriteItem[] = [];
    if (view.status)
      puts.push(put('status', encodeDocument(`App/${app} drift view`, view.status, this.opts)));
    if (view.inventory) {
      const doc = encodeDocument(`App/${app} inventory`, view.inventory, {
        ...this.opts,
        maxChunkBytes: Number.MAX_SAFE_INTEGER,
      });
      const bytes = 'doc' in doc ? Buffer.byteLength(doc.doc) : doc.docz.length;
      puts.push(put('inventory', bytes <= this.opts.maxDriftInventoryBytes ? doc : { omitted: true }));
    }
    return puts;
  }

  /** The chunked documents a step writes, encoded and checked against the transaction budget. */
  private partWrites(app: string, commit: StepCommit): PartWrite[] {
    const parts: PartWrite[] = [];
    const encode = (value: unknown) => encodeChunks(value, this.opts);
    if (commit.status !== undefined) {
      parts.push({ what: 'status', prefix: partPrefixes.status, chunks: encode(commit.status) });
    }
    if (commit.operation !== undefined) {
      const chunks = commit.operation ? encode(commit.operation) : [];
      parts.push({ what: 'operation', prefix: partPrefixes.operation, chunks });
    }
    if (commit.inventory !== undefined) {
      parts.push({ what: 'inventory', prefix: partPrefixes.inventory, chunks: encode(commit.inventory) });
    }
    if (commit.run !== undefined) {
      const { run } = commit;
      parts.push({
        what: `run ${run.id}`,
        prefix: runPrefix(run.id),
        chunks: encode(run),
        extra: { run: run.id },
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
        `App/${app} step commit is ${total} bytes after compression (${sizes.map((s) => `${s.what} ${s.bytes}`).join(', ')}), over the ${this.opts.maxCommitBytes}-byte budget of one DynamoDB transaction (4 MB)`,
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
          Item: marshall({
            [pkName]: pk,
            [skName]: chunkSk(part.prefix, c.index),
            ...part.extra,
            ...chunkAttributes(c),
          }),
        },
      }));
      const deletes: TransactWriteItem[] = (existing[i] ?? [])
        .map((item) => unmarshall(item)[skName] as string | undefined)
        .filter((sk): sk is string => sk !== undefined && !fresh.has(sk))
        .map((sk) => ({ Delete: { TableName: this.tableName, Key: itemKey(pk, sk) } }));
      return [...puts, ...deletes];
    });
  }

  /** The delete of the stored request if `requestConsumed` holds for it; undefined if newer or absent. */
  private async planRequestDelete(pk: string, consumedAt: number): Promise<TransactWriteItem | undefined> {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: itemKey(pk, requestSk),
        ConsistentRead: true,
        ProjectionExpression: 'requestedAt',
      }),
    );
    const seen = out.Item ? unmarshall(out.Item).requestedAt : undefined;
    if (typeof seen !== 'number' || !requestConsumed(seen, consumedAt)) return undefined;
    return {
      Delete: {
        TableName: this.tableName,
        Key: itemKey(pk, requestSk),
        // Still the request that was read: one that replaced it meanwhile stays.
        ConditionExpression: '#requestedAt = :seen',
        ExpressionAttributeNames: { '#requestedAt': 'requestedAt' },
        ExpressionAttributeValues: marshall({ ':seen': seen }),
      },
    };
  }

  /** Whether `lease` is still the stored one (for a cancellation that came without reasons). */
  private async isCurrent(lease: Lease): Promise<boolean> {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: itemKey(appPk(lease.app), leaseSk),
        ConsistentRead: true,
      }),
    );
    const row = out.Item ? unmarshall(out.Item) : undefined;
    const stored: StoredLease | undefined = row && {
      holder: String(row.holder),
      token: Number(row.token),
      expiresAt: Number(row.expiresAt),
    };
    return leaseIsCurrent(stored, lease, this.clock.now());
  }

  private async deleteItem(pk: string, sk: string): Promise<void> {
    await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: itemKey(pk, sk) }));
  }

  /** Deletes items by key, 25 per BatchWriteItem, retrying unprocessed ones with backoff. */
  private async batchDelete(subject: string, keys: Item[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 25) {
      let pending: WriteRequest[] = keys.slice(i, i + 25).map((key) => ({
        DeleteRequest: { Key: { [pkName]: key[pkName]!, [skName]: key[skName]! } },
      }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) {
          if (attempt > 8) {
            throw new StateStoreError(
              'state:write-failed',
              `${subject} delete failed: ${pending.length} deletes stayed unprocessed after ${attempt} tries`,
            );
          }
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

function isConditionFailed(err: unknown): boolean {
  return (err as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
}
