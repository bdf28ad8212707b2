import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { App } from '../../shared/domain/app.js';
import { privateRepoCredentials } from '../testbed/git-credentials.js';
import { TestRepo } from '../support/git.js';
import { githubPush, startControlPlane, type ControlPlane } from '../support/control-plane.js';
import { kubectl, testbed, uniqueName } from '../support/testbed.js';
import { captureOutput, type CapturedOutput } from '../support/capture-output.js';

const wrongToken = 'ghp_wrongTokenThatMustNeverBeLogged0000';

function appFor(name: string, repoURL: string, namespace: string): App {
  return {
    name,
    project: 'default',
    sources: [{ repoURL, path: 'guestbook', targetRevision: 'main' }],
    destination: { name: 'testbed', namespace },
    syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'], retry: { limit: 0 } },
    ignoreDifferences: [],
    revisionHistoryLimit: 10,
    annotations: {},
  };
}

describe('the control plane under faults', () => {
  let cp: ControlPlane;
  const namespaces: string[] = [];
  let output: CapturedOutput;
  const logLevel = process.env.GITFERRY_LOG_LEVEL;
  beforeAll(async () => {
    // Every level and every stream (stdout, stderr, console.*): a secret logged anywhere is seen.
    // The capture helper's own test proves it sees each of them.
    process.env.GITFERRY_LOG_LEVEL = 'DEBUG';
    output = captureOutput();
    cp = await startControlPlane({
      visibilityTimeout: 2,
      repoCredentials: [
        {
          // Credential rules match an exact origin (scheme, host and port), never a string prefix.
          urlPrefix: testbed().git.url,
          value: JSON.stringify({ username: 'testbed', password: wrongToken }),
        },
      ],
    });
  });
  afterAll(async () => {
    output.restore();
    if (logLevel === undefined) delete process.env.GITFERRY_LOG_LEVEL;
    else process.env.GITFERRY_LOG_LEVEL = logLevel;
    cp.dispose();
    for (const ns of namespaces)
      await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
  });

  async function newApp(prefix: string, repo: TestRepo): Promise<{ name: string; ns: string }> {
    const name = uniqueName(prefix);
    const ns = uniqueName(`e2e-${prefix}`);
    namespaces.push(ns);
    await cp.store.putApp(appFor(name, repo.url, ns));
    return { name, ns };
  }

  test('a push, a manual sync and a drift check at once: one writer at a time, the newest commit deployed, once', async () => {
    const repo = await TestRepo.create('concurrent');
    const { name } = await newApp('concurrent', repo);
    await repo.commitFixture('guestbook');
    const newest = await repo.commit({ 'guestbook/note.txt': 'newest' });
    const requestedAt = Date.now();
    await cp.store.requestSync(name, { reason: 'manual', requestedAt });
    expect(
      (await cp.webhook(githubPush({ repoUrl: repo.url, sha: newest, secret: cp.webhookSecret }))).statusCode,
    ).toBe(202);
    // All three wake-ups in one batch: the worker handles them concurrently.
    const result = await cp.worker({
      Records: ['manual', 'webhook', 'drift'].map((reason, i) => ({
        messageId: String(i),
        body: JSON.stringify({
          app: name,
          reason,
          requestedAt,
          revision: reason === 'webhook' ? newest : undefined,
        }),
      })),
    });
    expect(result.batchItemFailures).toEqual([]);
    await cp.drain({
      until: async () =>
        (await cp.store.getStatus(name))?.sync.revision === newest && (await cp.queueDepth()).visible === 0,
    });
    await cp.drain();
    const runs = (await cp.store.listRuns(name, 10)).filter((r) => !r.superseded);
    expect(runs.map((r) => [r.revision, r.phase])).toEqual([[newest, 'Succeeded']]);
    expect((await cp.store.getStatus(name))?.sync).toMatchObject({ status: 'Synced', revision: newest });
    repo.dispose();
  });

  test('a poison message reaches the dead-letter queue after three receives while other apps keep syncing', async () => {
    await cp.sqs.send(new SendMessageCommand({ QueueUrl: cp.queueUrl, MessageBody: '{"not":"a job"' }));
    const repo = await TestRepo.create('healthy');
    const { name } = await newApp('healthy', repo);
    const sha = await repo.commitFixture('guestbook');
    await cp.webhook(githubPush({ repoUrl: repo.url, sha, secret: cp.webhookSecret }));
    await cp.drain({ until: async () => (await cp.store.getStatus(name))?.sync.revision === sha });
    let dead: string[] = [];
    for (let i = 0; i < 20 && dead.length === 0; i++) {
      await cp.drain({ timeoutMs: 3_000, until: async () => false }).catch(() => 0);
      dead = (
        (await cp.sqs.send(new ReceiveMessageCommand({ QueueUrl: cp.dlqUrl, WaitTimeSeconds: 0 })))
          .Messages ?? []
      ).map((m) => m.Body!);
    }
    expect(dead).toEqual(['{"not":"a job"']);
    repo.dispose();
  });

  test('a git token never appears in logs, history, status or dead letters when authentication fails', async () => {
    const repo = await TestRepo.create('private-secret');
    const { name } = await newApp('private', repo);
    const sha = await repo.commitFixture('guestbook');
    await cp.webhook(githubPush({ repoUrl: repo.url, sha, secret: cp.webhookSecret }));
    await cp
      .drain({
        until: async () =>
          (await cp.store.getStatus(name))?.health.status === 'Unknown' ||
          (await cp.store.listRuns(name, 1)).length > 0,
        timeoutMs: 30_000,
      })
      .catch(() => 0);
    await cp.drain({ timeoutMs: 8_000, until: async () => false }).catch(() => 0);
    const stored = JSON.stringify([await cp.store.getStatus(name), await cp.store.listRuns(name, 10)]);
    expect(stored).toContain('authentication failed (HTTP 401)');
    const dlq = JSON.stringify(
      (await cp.sqs.send(new ReceiveMessageCommand({ QueueUrl: cp.dlqUrl, MaxNumberOfMessages: 10 })))
        .Messages ?? [],
    );
    const logs = output.text();
    // The logs must hold the failure and the levels below ERROR, or there was little to search.
    expect(logs).toContain('authentication failed (HTTP 401)');
    expect(logs).toMatch(/"level":"(DEBUG|INFO)"/);
    const everything = [logs, stored, dlq].join('\n');
    expect(everything).not.toContain(wrongToken);
    expect(everything).not.toContain(Buffer.from(`testbed:${wrongToken}`).toString('base64'));
    expect(everything).not.toContain(privateRepoCredentials.password);
    repo.dispose();
  });
});
