import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { parseApplication } from '../../shared/domain/application-manifest.js';
import { TestRepo } from '../support/git.js';
import { githubPush, gitlabPush, startControlPlane, type ControlPlane } from '../support/control-plane.js';
import { kubectl, uniqueName } from '../support/testbed.js';

/** The guestbook fixture's manifests with another title in its ConfigMap. */
function guestbookTitled(title: string): string {
  const manifests = readFileSync(
    fileURLToPath(new URL('../fixtures/repos/guestbook/guestbook/app.yaml', import.meta.url)),
    'utf8',
  );
  return manifests.replace('title: Guestbook', `title: ${title}`);
}

function application(name: string, repo: string, namespace: string) {
  const text = readFileSync(
    fileURLToPath(new URL('../fixtures/e2e/guestbook-application.yaml', import.meta.url)),
    'utf8',
  )
    .replaceAll('$NAMESPACE', namespace)
    .replaceAll('$NAME', name)
    .replaceAll('$REPO', repo);
  return parseApplication(load(text));
}

describe('a push webhook, end to end through the Lambda handlers', () => {
  let cp: ControlPlane;
  let repo: TestRepo;
  const app = uniqueName('guestbook');
  const ns = uniqueName('e2e-guestbook');
  beforeAll(async () => {
    cp = await startControlPlane();
    repo = await TestRepo.create('guestbook');
    const parsed = application(app, repo.url, ns);
    expect(parsed.warnings).toEqual([]);
    await cp.store.putApp(parsed.app);
  });
  afterAll(async () => {
    cp.dispose();
    repo.dispose();
    await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
  });

  const synced = (sha: string) => async () => {
    const s = await cp.store.getStatus(app);
    return s?.sync.status === 'Synced' && s.sync.revision === sha && s.operation?.phase === 'Succeeded';
  };
  const liveTitle = async () =>
    JSON.parse(await kubectl(['get', 'configmap', '-n', ns, 'guestbook-config', '-o', 'json'])).data
      .title as string;

  test('deploys the pushed commit, records status and history, and treats a redelivery as the same event', async () => {
    const sha = await repo.commitFixture('guestbook');
    const delivery = githubPush({ repoUrl: repo.url, sha, secret: cp.webhookSecret });
    const res = await cp.webhook(delivery);
    expect(res.statusCode).toBe(202);
    expect(JSON.parse(res.body)).toEqual({ enqueued: [app], duplicate: false, revision: sha });

    await cp.drain({ until: synced(sha) });
    expect(await liveTitle()).toBe('Guestbook');
    const status = await cp.store.getStatus(app);
    expect(status?.resources.map((r) => `${r.ref.kind}/${r.ref.name}:${r.status}`).sort()).toEqual([
      'ConfigMap/guestbook-config:Synced',
      'Deployment/guestbook-ui:Synced',
    ]);
    const runs = await cp.store.listRuns(app, 10);
    expect(runs.map((r) => [r.revision, r.phase, r.reason])).toEqual([[sha, 'Succeeded', 'webhook']]);

    // GitHub redelivers the same delivery: answered as a duplicate, and no second sync happens.
    const again = await cp.webhook(delivery);
    expect(again.statusCode).toBe(200);
    expect(JSON.parse(again.body)).toMatchObject({ duplicate: true });
    await cp.drain();
    expect((await cp.store.listRuns(app, 10)).length).toBe(1);
  });

  test('an older push arriving after a newer one is recorded as superseded and never rolls back', async () => {
    const older = await repo.commit({ 'guestbook/title.txt': 'not a manifest' }, 'older');
    const newer = await repo.commit(
      {
        'guestbook/app.yaml': guestbookTitled('Guestbook v2'),
      },
      'newer',
    );
    expect(
      (await cp.webhook(githubPush({ repoUrl: repo.url, sha: newer, secret: cp.webhookSecret }))).statusCode,
    ).toBe(202);
    await cp.drain({ until: synced(newer) });
    expect(await liveTitle()).toBe('Guestbook v2');

    expect(
      (await cp.webhook(githubPush({ repoUrl: repo.url, sha: older, secret: cp.webhookSecret }))).statusCode,
    ).toBe(202);
    await cp.drain();
    const runs = await cp.store.listRuns(app, 10);
    expect(runs[0]).toMatchObject({
      revision: older,
      superseded: true,
      message: `superseded by ${newer}, which is newer and already deployed; not applied`,
    });
    expect(await liveTitle()).toBe('Guestbook v2');
    expect((await cp.store.getStatus(app))?.sync.revision).toBe(newer);
  });

  test('an old push replayed 5 times, its wake-up redelivered 5 times, records one supersession and keeps rollback targets', async () => {
    const deployed = (await cp.store.getStatus(app))!.sync.revision!;
    // A commit deployed earlier in this file, older than the branch head.
    const older = (await cp.store.listRuns(app, 100, { includeSuperseded: false })).find(
      (r) => r.revision !== deployed && r.phase === 'Succeeded',
    )?.revision;
    if (!older) throw new Error('the earlier tests deployed no older revision');
    const replayed = githubPush({
      repoUrl: repo.url,
      sha: older,
      secret: cp.webhookSecret,
      deliveryId: uniqueName('replayed'),
    });
    const countOf = async () =>
      (await cp.store.listRuns(app, 100)).filter((r) => r.superseded && r.revision === older).length;
    const before = await countOf();

    const answers = [];
    for (let i = 0; i < 5; i++) answers.push((await cp.webhook(replayed)).statusCode);
    expect(answers).toEqual([202, 200, 200, 200, 200]);
    // The queue delivers at least once: the same wake-up arrives again and again.
    const wakeUp = JSON.stringify({ app, reason: 'webhook', revision: older, requestedAt: Date.now() });
    for (let i = 0; i < 5; i++) {
      const result = await cp.worker({ Records: [{ messageId: String(i), body: wakeUp }] });
      expect(result.batchItemFailures).toEqual([]);
    }
    await cp.drain();

    expect((await countOf()) - before).toBeLessThanOrEqual(1);
    expect((await cp.store.getStatus(app))?.sync.revision).toBe(deployed);
    const rollbackWindow = await cp.store.listRuns(app, 100, { includeSuperseded: false });
    expect(rollbackWindow.some((r) => r.superseded)).toBe(false);
    expect(rollbackWindow[0]?.revision).toBe(deployed);
  });

  test('a hand edit of a managed object is found by the drift check and healed', async () => {
    await kubectl([
      'patch',
      'configmap',
      '-n',
      ns,
      'guestbook-config',
      '--type=merge',
      '-p',
      '{"data":{"title":"edited by hand"}}',
    ]);
    expect(await liveTitle()).toBe('edited by hand');
    // The drift check sees the hand edit from the LIST alone (the owned fields moved) and wakes the app.
    expect(await cp.drift()).toMatchObject({ enqueued: 1 });
    await cp.drain({
      until: async () =>
        (await liveTitle()) === 'Guestbook v2' && (await cp.store.getStatus(app))?.sync.status === 'Synced',
    });
    const runs = await cp.store.listRuns(app, 10);
    expect(runs[0]).toMatchObject({ reason: 'drift', phase: 'Succeeded' });
    expect(runs[0]?.results.find((r) => r.ref.name === 'guestbook-config')?.action).toBe('configured');
  });

  test('a GitLab push hook deploys too, and a wrong X-Gitlab-Token is refused', async () => {
    const sha = await repo.commit(
      {
        'guestbook/app.yaml': guestbookTitled('Guestbook from GitLab'),
      },
      'gitlab',
    );
    expect((await cp.webhook(gitlabPush({ repoUrl: repo.url, sha, token: 'wrong-token' }))).statusCode).toBe(
      401,
    );
    const res = await cp.webhook(gitlabPush({ repoUrl: repo.url, sha, token: `gitlab-${cp.webhookSecret}` }));
    expect(res.statusCode).toBe(202);
    await cp.drain({ until: synced(sha) });
    expect(await liveTitle()).toBe('Guestbook from GitLab');
  });

  test('an app pinned by a rollback stays on its revision when newer pushes arrive, recording no supersession', async () => {
    const pinned = (await cp.store.getStatus(app))!.sync.revision!;
    await cp.store.putApp({ ...(await cp.store.getApp(app))!, pinnedRevision: pinned });
    const runsBefore = (await cp.store.listRuns(app, 100)).length;
    const titleBefore = await liveTitle();
    const newer = await repo.commit(
      {
        'guestbook/app.yaml': guestbookTitled('not while pinned'),
      },
      'while pinned',
    );
    expect(
      (await cp.webhook(githubPush({ repoUrl: repo.url, sha: newer, secret: cp.webhookSecret }))).statusCode,
    ).toBe(202);
    await cp.drain();
    expect(await liveTitle()).toBe(titleBefore);
    expect((await cp.store.getStatus(app))?.sync.revision).toBe(pinned);
    const runsAfter = await cp.store.listRuns(app, 100);
    const newRuns = runsAfter.slice(0, runsAfter.length - runsBefore); // newest first
    expect(newRuns.filter((r) => r.superseded)).toEqual([]);
    await cp.store.putApp({ ...(await cp.store.getApp(app))!, pinnedRevision: undefined });
  });

  test('a webhook with a bad signature is refused and enqueues nothing', async () => {
    await cp.drain();
    const sha = await repo.commit({ 'guestbook/x.txt': 'x' });
    const delivery = githubPush({ repoUrl: repo.url, sha, secret: 'not-the-secret' });
    const res = await cp.webhook(delivery);
    expect(res.statusCode).toBe(401);
    // Health rechecks of the app may still be queued on a slow machine: none may be for this push.
    const bodies = await cp.peekVisible();
    expect(bodies.filter((b) => b.includes(sha))).toEqual([]);
    expect((await cp.store.getSyncRequest(app))?.revision).not.toBe(sha);
  });
});
