import { TestRepo } from '../../support/git.js';
import { appOf, deployment, describeApp, recheckUntil } from '../../support/delivery.js';
import { startLocalControl, type LocalControl } from '../../support/local-control.js';
import { kubectl, uniqueName } from '../../support/testbed.js';

// On the real cluster: an app with `gitferry.dev/auto-rollback: 10m` deploys a Healthy revision,
// then one whose Deployment never becomes ready (kwok's never-ready marker). The health recheck that
// sees it Degraded rolls it back to the Healthy revision, pinned, with why in history; the bad
// revision still being the head changes nothing (no roll forward, no second rollback); a new
// revision releases the pin and deploys.
const ns = uniqueName('auto-rollback');

describe('automatic rollback on the test bed', () => {
  let lc: LocalControl;
  let repo: TestRepo;

  beforeAll(async () => {
    lc = startLocalControl();
    repo = await TestRepo.create('auto-rollback');
  });
  afterAll(async () => {
    lc?.dispose();
    repo?.dispose();
    await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
  });

  const push = async (app: string, sha: string) => {
    await lc.store.requestSync(app, { reason: 'webhook', revision: sha, requestedAt: Date.now() });
    return lc.handler().handle({ app, reason: 'webhook', revision: sha, requestedAt: Date.now() });
  };
  const image = () =>
    kubectl([
      'get',
      'deployment',
      'web',
      '-n',
      ns,
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image}',
    ]);

  test('Degraded after a sync rolls back to the last Healthy revision, once, and stays pinned', async () => {
    const app = appOf(lc, repo.url, ns, uniqueName('rollback'), 'app', {
      'gitferry.dev/auto-rollback': '10m',
    });
    await lc.store.putApp(app);
    const good = await repo.commit({ 'app/web.yaml': deployment('web', 'v1') });
    expect(await push(app.name, good)).toBe('finished');
    expect(await recheckUntil(lc, app.name, (h) => h === 'Healthy')).toBe('Healthy');
    expect((await lc.store.getStatus(app.name))?.healthy?.revision).toBe(good);

    const bad = await repo.commit({ 'app/web.yaml': deployment('web', 'v2', false) });
    expect(await push(app.name, bad)).toBe('finished');
    const sentBefore = lc.sent.length;
    expect(await recheckUntil(lc, app.name, (h) => h === 'Degraded' || h === 'Healthy')).toBe('Degraded');
    const degradedAt = Date.now();
    const rolled = await lc.store.getStatus(app.name);
    expect(rolled?.autoRollback).toMatchObject({ from: bad, to: good });
    expect(rolled?.autoRollback?.reason).toMatch(/^Degraded/);
    expect((await lc.store.getApp(app.name))?.pinnedRevision).toBe(good);
    const wake = lc.sent
      .slice(sentBefore)
      .filter((s) => s.job.app === app.name && s.job.reason === 'rollback');
    expect(wake).toHaveLength(1);

    // The queue delivers the rollback's wake-up: the Healthy revision is synced back.
    expect(await lc.handler().handle(wake[0]!.job)).toBe('finished');
    const rolledBackAt = Date.now();
    expect(await image()).toBe('registry.invalid/web:v1');
    expect(await recheckUntil(lc, app.name, (h) => h === 'Healthy')).toBe('Healthy');
    const runs = await lc.store.listRuns(app.name, 10, { includeSuperseded: false });
    expect(runs[0]).toMatchObject({ reason: 'rollback', revision: good, phase: 'Succeeded' });
    expect(runs[0]?.message).toContain(`automatic rollback from ${bad.slice(0, 12)} (Degraded`);

    // The bad revision is still the head: a push, a drift check and a sync retry change nothing.
    const sentNow = lc.sent.length;
    expect(await push(app.name, bad)).toBe('refreshed');
    expect(await lc.handler().handle({ app: app.name, reason: 'drift', requestedAt: Date.now() })).toBe(
      'refreshed',
    );
    expect(await image()).toBe('registry.invalid/web:v1');
    expect((await lc.store.getApp(app.name))?.pinnedRevision).toBe(good);
    expect(lc.sent.slice(sentNow).some((s) => s.job.reason === 'rollback')).toBe(false);
    expect((await lc.store.listRuns(app.name, 10, { includeSuperseded: false })).length).toBe(runs.length);
    const pinned = await describeApp(lc, app.name);

    // A new revision releases the pin and deploys.
    const fixed = await repo.commit({ 'app/web.yaml': deployment('web', 'v3') });
    expect(await push(app.name, fixed)).toBe('finished');
    expect((await lc.store.getApp(app.name))?.pinnedRevision).toBeUndefined();
    expect(await image()).toBe('registry.invalid/web:v3');
    expect(await recheckUntil(lc, app.name, (h) => h === 'Healthy')).toBe('Healthy');

    console.log(
      `${pinned}\n\nDegraded seen → rolled back (rollback sync finished): ${rolledBackAt - degradedAt} ms\n\n${await describeApp(lc, app.name)}`,
    );
  });
});
