import { TestRepo } from '../../support/git.js';
import { appOf, deployment, describeApp, drain, recheckUntil } from '../../support/delivery.js';
import { startLocalControl, type LocalControl } from '../../support/local-control.js';
import { kubectl, uniqueName } from '../../support/testbed.js';

// On the real cluster: staging → prod-eu → prod-us (gitferry.dev/promote-after, soak 5m). A
// revision moves on only after the stage before it has been Healthy for the soak: the wake-up
// that comes earlier deploys nothing and says so, the one after the soak (the worker's Clock moved,
// nothing sleeps) deploys. A revision that never becomes ready on prod-eu halts the rollout there:
// prod-eu rolls back (gitferry.dev/auto-rollback), prod-us stays where it was, saying why.
const ns = uniqueName('rollout');
const soakMs = 5 * 60_000;

describe('a staged rollout on the test bed', () => {
  let lc: LocalControl;
  let repo: TestRepo;

  beforeAll(async () => {
    lc = startLocalControl();
    repo = await TestRepo.create('rollout');
  });
  afterAll(async () => {
    lc?.dispose();
    repo?.dispose();
    await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
  });

  const image = (name: string) =>
    kubectl([
      'get',
      'deployment',
      name,
      '-n',
      ns,
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image}',
    ]);
  const condition = async (app: string) =>
    (await lc.store.getStatus(app))?.conditions?.find((k) => k.type === 'PromotionWaiting')?.message;
  // The worker's clock after n soaks (each stage's streak starts on the clock that deployed it).
  const after = (n: number) => ({ now: () => Date.now() + n * (soakMs + 1000) });
  const soaked = after(1);

  test('each stage follows the one before after its soak, and a failing stage halts the rest', async () => {
    const staging = appOf(lc, repo.url, ns, uniqueName('staging'), 'staging');
    const stage = (name: string, after: string) =>
      appOf(lc, repo.url, ns, uniqueName(name), name, {
        'gitferry.dev/promote-after': after,
        'gitferry.dev/soak': '5m',
        'gitferry.dev/auto-rollback': '10m',
      });
    const eu = stage('prod-eu', staging.name);
    const us = stage('prod-us', eu.name);
    for (const app of [staging, eu, us]) await lc.store.putApp(app);
    const v1 = await repo.commit({
      'staging/web.yaml': deployment('staging-web', 'v1'),
      'prod-eu/web.yaml': deployment('eu-web', 'v1'),
      'prod-us/web.yaml': deployment('us-web', 'v1'),
    });

    // The push wakes every app of the repo: only staging deploys; the stages have nothing to promote yet.
    for (const app of [us, eu, staging])
      await lc.store.requestSync(app.name, { reason: 'webhook', revision: v1, requestedAt: Date.now() });
    const pushed = lc.sent.length;
    for (const app of [us, eu, staging])
      lc.sent.push({
        job: { app: app.name, reason: 'webhook', revision: v1, requestedAt: Date.now() },
        delaySeconds: 0,
      });
    expect(await drain(lc, pushed, { skip: (j) => j.reason !== 'webhook' })).toEqual([
      `${us.name}:webhook→idle`,
      `${eu.name}:webhook→idle`,
      `${staging.name}:webhook→finished`,
    ]);
    expect(await condition(eu.name)).toBe(
      `Application/${eu.name}: waiting for the previous stage ${staging.name} to sync`,
    );
    expect(await recheckUntil(lc, staging.name, (h) => h === 'Healthy')).toBe('Healthy');
    // Staging's Healthy streak began: prod-eu is woken at the soak's end.
    const wakeEu = lc.sent.slice(pushed).filter((s) => s.job.app === eu.name && s.job.reason === 'promote');
    expect(wakeEu.map((s) => [s.job.reason, s.delaySeconds])).toEqual([['promote', 300]]);

    // Delivered early (the worker's clock before the soak ends), it deploys nothing and says why.
    expect(await lc.handler().handle(wakeEu[0]!.job)).toBe('idle');
    expect(await condition(eu.name)).toMatch(
      new RegExp(
        `^Application/${eu.name}: waiting for ${staging.name} to soak: Healthy at [0-9a-f]{7} since \\S+, promoted at \\S+$`,
      ),
    );
    await expect(kubectl(['get', 'deployment', 'eu-web', '-n', ns])).rejects.toThrow();
    // After the soak it deploys staging's revision.
    let from = lc.sent.length;
    expect(await lc.handler({}, soaked).handle(wakeEu[0]!.job)).toBe('finished');
    expect(await image('eu-web')).toBe('registry.invalid/eu-web:v1');
    expect(await recheckUntil(lc, eu.name, (h) => h === 'Healthy')).toBe('Healthy');
    const wakeUs = lc.sent.slice(from).filter((s) => s.job.app === us.name && s.job.reason === 'promote');
    expect(await lc.handler({}, after(2)).handle(wakeUs[0]!.job)).toBe('finished');
    expect(await image('us-web')).toBe('registry.invalid/us-web:v1');
    expect((await lc.store.listRuns(us.name, 1))[0]).toMatchObject({ reason: 'promote', revision: v1 });
    expect(await condition(us.name)).toBeUndefined();

    // v2 is fine on staging, never ready on prod-eu.
    const v2 = await repo.commit({
      'staging/web.yaml': deployment('staging-web', 'v2'),
      'prod-eu/web.yaml': deployment('eu-web', 'v2', false),
      'prod-us/web.yaml': deployment('us-web', 'v2'),
    });
    await lc.store.requestSync(staging.name, { reason: 'webhook', revision: v2, requestedAt: Date.now() });
    from = lc.sent.length;
    expect(
      await lc
        .handler()
        .handle({ app: staging.name, reason: 'webhook', revision: v2, requestedAt: Date.now() }),
    ).toBe('finished');
    expect(await recheckUntil(lc, staging.name, (h) => h === 'Healthy')).toBe('Healthy');
    const wakeEu2 = lc.sent.slice(from).filter((s) => s.job.app === eu.name && s.job.reason === 'promote');
    from = lc.sent.length;
    expect(await lc.handler({}, soaked).handle(wakeEu2.at(-1)!.job)).toBe('finished');
    expect(await image('eu-web')).toBe('registry.invalid/eu-web:v2');
    expect(await recheckUntil(lc, eu.name, (h) => h === 'Degraded' || h === 'Healthy')).toBe('Degraded');
    // prod-us, woken when prod-eu's streak ended, is halted at v1, saying why.
    const wakeUs2 = lc.sent.slice(from).filter((s) => s.job.app === us.name);
    expect(wakeUs2.length).toBeGreaterThan(0);
    for (const s of wakeUs2) expect(await lc.handler({}, after(2)).handle(s.job)).toBe('refreshed');
    expect(await image('us-web')).toBe('registry.invalid/us-web:v1');
    expect(await condition(us.name)).toMatch(
      new RegExp(`^halted: the previous stage ${eu.name} is Synced and Degraded at [0-9a-f]{7} \\(`),
    );
    expect((await lc.store.getStatus(us.name))?.sync.revision).toBe(v1);
    const halted = await describeApp(lc, us.name);
    // prod-eu rolls back to v1 (its rollback wake-up delivered); prod-us stays at v1.
    const rollback = lc.sent.slice(from).find((s) => s.job.app === eu.name && s.job.reason === 'rollback');
    expect(await lc.handler().handle(rollback!.job)).toBe('finished');
    expect(await image('eu-web')).toBe('registry.invalid/eu-web:v1');
    expect((await lc.store.getStatus(us.name))?.sync.revision).toBe(v1);

    console.log(
      [
        await describeApp(lc, staging.name),
        await describeApp(lc, eu.name),
        `(when prod-eu was Degraded)
${halted}`,
        await describeApp(lc, us.name),
      ].join('\n\n'),
    );
  });
});
