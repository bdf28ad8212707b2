import { TestRepo } from '../../support/git.js';
import { appOf, deployment, describeApp, drain, recheckUntil } from '../../support/delivery.js';
import { startLocalControl, type LocalControl } from '../../support/local-control.js';
import { kubectl, uniqueName } from '../../support/testbed.js';

// On the real cluster: C depends on B, B on A (gitferry.dev/depends-on). Pushed all at once, they
// sync in order A, B, C, each woken by the one before it; when A's revision never becomes ready
// (kwok's never-ready marker), B and C are held, each saying what blocks it.
const ns = uniqueName('chain');
const configMap = (name: string, v: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name} }\ndata: { v: "${v}" }\n`;

describe('a chain A → B → C on the test bed', () => {
  let lc: LocalControl;
  let repo: TestRepo;

  beforeAll(async () => {
    lc = startLocalControl();
    repo = await TestRepo.create('chain');
  });
  afterAll(async () => {
    lc?.dispose();
    repo?.dispose();
    await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
  });

  const chain = (tag: string) => {
    const a = appOf(lc, repo.url, ns, uniqueName(`${tag}-a`), `${tag}/a`);
    const b = appOf(lc, repo.url, ns, uniqueName(`${tag}-b`), `${tag}/b`, {
      'gitferry.dev/depends-on': a.name,
    });
    const c = appOf(lc, repo.url, ns, uniqueName(`${tag}-c`), `${tag}/c`, {
      'gitferry.dev/depends-on': b.name,
    });
    return [a, b, c] as const;
  };
  const pushAll = async (names: string[], sha: string) => {
    const from = lc.sent.length;
    for (const name of [...names].reverse()) {
      await lc.store.requestSync(name, { reason: 'webhook', revision: sha, requestedAt: Date.now() });
      lc.sent.push({
        job: { app: name, reason: 'webhook', revision: sha, requestedAt: Date.now() },
        delaySeconds: 0,
      });
    }
    return from;
  };

  test('pushed together (C first), they sync in the order A, B, C', async () => {
    const [a, b, c] = chain('ok');
    for (const app of [a, b, c]) await lc.store.putApp(app);
    const sha = await repo.commit({
      'ok/a/cm.yaml': configMap('chain-a', '1'),
      'ok/b/cm.yaml': configMap('chain-b', '1'),
      'ok/c/cm.yaml': configMap('chain-c', '1'),
    });
    const outcomes = await drain(lc, await pushAll([a.name, b.name, c.name], sha));
    const finished = outcomes.filter((o) => o.endsWith('→finished')).map((o) => o.split(':')[0]);
    expect(finished).toEqual([a.name, b.name, c.name]);
    expect(outcomes.slice(0, 2)).toEqual([`${c.name}:webhook→waiting`, `${b.name}:webhook→waiting`]);
    for (const app of [a, b, c])
      expect((await lc.store.getStatus(app.name))?.sync).toMatchObject({ status: 'Synced', revision: sha });
    console.log(`in order: ${outcomes.join(', ')}`);
  });

  test('A never becomes ready: B and C are held, each naming what blocks it', async () => {
    const [a, b, c] = chain('bad');
    for (const app of [a, b, c]) await lc.store.putApp(app);
    const sha = await repo.commit({
      'bad/a/web.yaml': deployment('chain-web', 'v1', false),
      'bad/b/cm.yaml': configMap('chain-held-b', '1'),
      'bad/c/cm.yaml': configMap('chain-held-c', '1'),
    });
    const outcomes = await drain(lc, await pushAll([a.name, b.name, c.name], sha), {
      skip: (job) => job.reason === 'health',
    });
    expect(outcomes).toEqual([
      `${c.name}:webhook→waiting`,
      `${b.name}:webhook→waiting`,
      `${a.name}:webhook→finished`,
    ]);
    expect(await recheckUntil(lc, a.name, (h) => h === 'Degraded')).toBe('Degraded');
    // Any wake-up of B or C (a drift check) finds them still held, saying why.
    for (const app of [b, c])
      expect(await lc.handler().handle({ app: app.name, reason: 'drift', requestedAt: Date.now() })).toBe(
        'waiting',
      );
    const held = async (name: string) =>
      (await lc.store.getStatus(name))?.conditions?.find((k) => k.type === 'DependencyWaiting')?.message;
    expect(await held(b.name)).toMatch(
      new RegExp(
        `^waiting for ${a.name} \\(blocked: it is Synced and Degraded \\(Deployment/${ns}/chain-web: .*progress`,
      ),
    );
    expect(await held(c.name)).toMatch(
      new RegExp(
        `^waiting for ${b.name} \\(it is waiting for ${a.name} \\(blocked: it is Synced and Degraded`,
      ),
    );
    await expect(kubectl(['get', 'configmap', 'chain-held-b', '-n', ns])).rejects.toThrow();
    await expect(kubectl(['get', 'configmap', 'chain-held-c', '-n', ns])).rejects.toThrow();
    console.log(
      [await describeApp(lc, a.name), await describeApp(lc, b.name), await describeApp(lc, c.name)].join(
        '\n\n',
      ),
    );
  });
});
