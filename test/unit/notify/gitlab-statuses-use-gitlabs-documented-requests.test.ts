import { parseNotificationConfig } from '../../../shared/notify/config.js';
import { HttpNotifier } from '../../../shared/notify/notifier.js';
import { planNotifications, subscriptionsOf } from '../../../shared/notify/plan.js';
import { appWith, secretsOf, sha, statusAt } from './fixtures.js';
import { startReceiver, type Answer, type Received } from './receiver.js';

// A GitLab-shaped receiver checking GitLab's documented commit status API
// (POST /api/v4/projects/:id/statuses/:sha, :id the URL-encoded project path, state one of
// pending|running|success|failed|canceled|skipped, PRIVATE-TOKEN or Authorization: Bearer), and
// answering as GitLab does when a status is set to the state it already has.
const guard = { allowedHosts: ['127.0.0.1'] };

function gitlabStandIn(prefix = '') {
  const states = new Map<string, string>();
  const respond = (r: Received): Answer => {
    const m = new RegExp(`^${prefix}/api/v4/projects/([^/]+)/statuses/([0-9a-f]{40})$`).exec(r.path);
    if (r.method !== 'POST' || !m) throw new Error(`unexpected ${r.method} ${r.path}`);
    if (r.headers['content-type'] !== 'application/json') throw new Error('not JSON');
    const b = JSON.parse(r.body) as { state: string; name: string };
    if (!['pending', 'running', 'success', 'failed', 'canceled', 'skipped'].includes(b.state))
      return { status: 400, body: { error: 'state does not have a valid value' } };
    const key = `${decodeURIComponent(m[1]!)}@${m[2]}#${b.name}`;
    if (states.get(key) === b.state)
      return { status: 400, body: { message: `Cannot transition status via :${b.state} from :${b.state}` } };
    states.set(key, b.state);
    return { status: 201, body: { id: states.size, sha: m[2], status: b.state, name: b.name } };
  };
  return { states, respond };
}

const subscribed = {
  'notifications.argoproj.io/subscribe.on-sync-running.gitlab': '',
  'notifications.argoproj.io/subscribe.on-sync-succeeded.gitlab': '',
  'notifications.argoproj.io/subscribe.on-deployed.gitlab': '',
  'notifications.argoproj.io/subscribe.on-sync-failed.gitlab': '',
};

async function deliverFor(notifier: HttpNotifier, repoURL: string, status = statusAt('healthy')) {
  const app = appWith(subscribed, repoURL);
  return notifier.deliver(
    planNotifications(app, undefined, status, subscriptionsOf(app, notifier.services()).subscriptions).due,
  );
}

describe('GitLab commit statuses use GitLab’s documented requests', () => {
  test('running then success on the URL-encoded group/subgroup/project, with PRIVATE-TOKEN; success twice is no error', async () => {
    const stand = gitlabStandIn();
    const gl = await startReceiver(stand.respond);
    try {
      const notifier = new HttpNotifier(
        parseNotificationConfig(`
service.gitlab:
  apiURL: ${gl.url}/api/v4
  tokenSecret: gitlab-token
  targetURL: https://gitferry.example.com/applications/{{app.name}}
`),
        secretsOf({ 'gitlab-token': 'glpat-secret1234' }),
        { guard },
      );
      const results = await deliverFor(notifier, 'http://127.0.0.1/platform/team/shop.git');
      expect(results.map((r) => r.ok)).toEqual([true, true, true]);
      const path = `/api/v4/projects/platform%2Fteam%2Fshop/statuses/${sha}`;
      expect(
        gl.requests.map((r) => [r.method, r.path, r.headers['private-token'], r.headers.authorization]),
      ).toEqual([
        ['POST', path, 'glpat-secret1234', undefined],
        ['POST', path, 'glpat-secret1234', undefined],
        ['POST', path, 'glpat-secret1234', undefined],
      ]);
      expect(gl.requests.map((r) => JSON.parse(r.body))).toEqual([
        {
          state: 'running',
          name: 'gitferry/shop',
          description: `Application shop is syncing revision ${sha}.`,
          target_url: 'https://gitferry.example.com/applications/shop',
        },
        {
          state: 'success',
          name: 'gitferry/shop',
          description: `Application shop synced revision ${sha}: successfully synced`,
          target_url: 'https://gitferry.example.com/applications/shop',
        },
        {
          state: 'success',
          name: 'gitferry/shop',
          description: `Application shop is deployed: revision ${sha} is synced and healthy.`,
          target_url: 'https://gitferry.example.com/applications/shop',
        },
      ]);
      expect(gl.requests[2]!.body).toBeDefined();
      expect([...stand.states.values()]).toEqual(['success']);
    } finally {
      await gl.close();
    }
  });

  test('a self-hosted GitLab under a sub-path, with a bearer token and a name template; a failed sync is failed', async () => {
    const stand = gitlabStandIn('/gitlab');
    const gl = await startReceiver(stand.respond);
    try {
      const notifier = new HttpNotifier(
        parseNotificationConfig(`
service.gitlab: |
  apiURL: ${gl.url}/gitlab/api/v4
  tokenSecret: gl
  authHeader: bearer
  name: deploy/{{app.cluster}}
`),
        secretsOf({ gl: 'oauth-token-abcdef' }),
        { guard },
      );
      const results = await deliverFor(notifier, `${gl.url}/gitlab/acme/shop`, statusAt('failed'));
      expect(results.map((r) => r.ok)).toEqual([true, true]);
      expect(gl.requests.map((r) => [r.path, r.headers.authorization, r.headers['private-token']])).toEqual([
        [`/gitlab/api/v4/projects/acme%2Fshop/statuses/${sha}`, 'Bearer oauth-token-abcdef', undefined],
        [`/gitlab/api/v4/projects/acme%2Fshop/statuses/${sha}`, 'Bearer oauth-token-abcdef', undefined],
      ]);
      expect(gl.requests.map((r) => JSON.parse(r.body) as { state: string; name: string })).toEqual([
        expect.objectContaining({ state: 'running', name: 'deploy/dev' }),
        expect.objectContaining({ state: 'failed', name: 'deploy/dev' }),
      ]);
    } finally {
      await gl.close();
    }
  });

  test("the token goes to the configured GitLab only: a tenant's repo on another host, outside its sub-path or with a hostile path sends nothing", async () => {
    const gl = await startReceiver(gitlabStandIn('/gitlab').respond);
    try {
      const notifier = new HttpNotifier(
        parseNotificationConfig(`service.gitlab: {apiURL: "${gl.url}/gitlab/api/v4", tokenSecret: gl}`),
        secretsOf({ gl: 'glpat-secret1234' }),
        { guard, sleep: async () => {} },
      );
      for (const [repoURL, why] of [
        ['https://attacker.example.com/acme/shop.git', 'attacker.example.com is not the GitLab at'],
        ['http://169.254.169.254/latest/meta-data', 'is not the GitLab at'],
        [`${gl.url}/other/acme/shop.git`, 'is not under'],
        [`${gl.url}/gitlab/acme/../../admin`, 'is not under'],
        [`${gl.url}/gitlab/onlyone.git`, 'is not a group/project URL'],
        [`${gl.url}/gitlab/a/%2e%2e/b`, 'is not a group/project URL'],
      ] as const) {
        const [r] = await deliverFor(notifier, repoURL, statusAt('running'));
        expect(r).toMatchObject({ ok: false, attempts: 1, retry: false });
        expect(r!.error).toContain(why);
      }
      expect(gl.requests).toHaveLength(0);
      const gitlabCom = parseNotificationConfig('service.gitlab: {tokenSecret: t}');
      expect(gitlabCom.gitlab).toMatchObject({
        apiURL: 'https://gitlab.com/api/v4',
        authHeader: 'private-token',
      });
      expect(() => parseNotificationConfig('service.gitlab: {tokenSecret: t, authHeader: basic}')).toThrow(
        /service.gitlab: authHeader is private-token or bearer/,
      );
      expect(() => parseNotificationConfig('service.gitlab: {token: glpat-x}')).toThrow(/token is a secret/);
    } finally {
      await gl.close();
    }
  });
});
