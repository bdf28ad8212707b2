import { reconcileChildApps } from '../../../../shared/control/child-apps.js';
import { application, appProject, childAppBed, parentApp, teamProject } from './child-app-bed.js';

const none = { applications: [], projects: [] };

describe('children a repository writer should not get', () => {
  test.each([['$(id)'], ['../etc'], ['Web'], ['a'.repeat(64)], ['--upload-pack=x']])(
    'a child named %j is refused, naming it and its file; nothing is stored',
    async (name) => {
      const { c, store } = childAppBed();
      const out = await reconcileChildApps(
        c,
        parentApp,
        teamProject,
        { ...none, applications: [application(name)] },
        { prune: true },
      );
      expect(out.problems).toHaveLength(1);
      expect(out.problems[0]).toMatch(
        /^Application\/.*: metadata\.name must be a DNS label .* \(apps\/.*\.yaml#1\)$/,
      );
      expect(await store.listApps()).toEqual([]);
    },
  );

  test('a child in another project, outside the project, or taking another app is refused', async () => {
    const { c, store } = childAppBed();
    await store.putApp({ ...parentApp, name: 'billing', parent: undefined });
    const out = await reconcileChildApps(
      c,
      parentApp,
      teamProject,
      {
        ...none,
        applications: [
          application('escape', { project: 'platform' }),
          application('secret', { source: { repoURL: 'https://git.example.com/team/secret', path: '.' } }),
          application('kube-system', { destination: { name: 'prod', namespace: 'kube-system' } }),
          application('billing'),
          application('root'),
        ],
      },
      { prune: true },
    );
    expect(out.problems).toEqual([
      "Application/escape: project platform is neither the parent's project (team) nor one the parent defines; refused",
      'Application/secret: source repository https://git.example.com/team/secret is not permitted in project team; refused',
      'Application/kube-system: destination prod/kube-system is not permitted in project team; refused',
      'Application/billing: an app of this name exists and is not a child of root; refused',
      'Application/root: an app of this name exists and is not a child of root; refused',
    ]);
    expect((await store.listApps()).map((a) => a.name)).toEqual(['billing']);
    // Refused names are still "wanted": the existing app is not deleted as a vanished child.
    expect(out.deleted).toEqual([]);
  });

  test('a project the parent defines cannot be wider than its own, nor replace an existing one', async () => {
    const { c, store } = childAppBed();
    await store.putProject({ name: 'platform', sourceRepos: ['*'], destinations: [] });
    const out = await reconcileChildApps(
      c,
      parentApp,
      teamProject,
      {
        ...none,
        projects: [
          appProject('wide-repos', {
            sourceRepos: ['*'],
            destinations: [{ name: 'prod', namespace: 'team-web' }],
          }),
          appProject('wide-dest', {
            sourceRepos: ['https://git.example.com/team/web'],
            destinations: [{ name: '*', namespace: '*' }],
          }),
          appProject('cluster-kinds', {
            sourceRepos: ['https://git.example.com/team/web'],
            destinations: [{ name: 'prod', namespace: 'team-web' }],
            clusterResourceWhitelist: [{ group: '*', kind: '*' }],
          }),
          appProject('platform', { sourceRepos: ['https://git.example.com/team/web'], destinations: [] }),
          appProject('default', { sourceRepos: ['https://git.example.com/team/web'], destinations: [] }),
        ],
      },
      { prune: true },
    );
    expect(out.problems).toEqual([
      "AppProject/wide-repos: spec.sourceRepos allows more than the parent's project team; refused",
      "AppProject/wide-dest: spec.destinations allow more than the parent's project team; refused",
      "AppProject/cluster-kinds: spec.clusterResourceWhitelist allows more than the parent's project team; refused",
      'AppProject/platform: a project of this name exists and is not defined by root; refused',
      'AppProject/default: a project of this name exists and is not defined by root; refused',
    ]);
    expect(await store.getProject('platform')).toEqual({
      name: 'platform',
      sourceRepos: ['*'],
      destinations: [],
    });
    expect(await store.getProject('wide-repos')).toBeUndefined();
  });

  test("a narrower project is registered with the parent's denials, and its children may use it", async () => {
    const { c, store } = childAppBed();
    const out = await reconcileChildApps(
      c,
      parentApp,
      teamProject,
      {
        projects: [
          appProject('web-only', {
            sourceRepos: ['https://git.example.com/team/*'],
            destinations: [{ name: 'prod', namespace: 'team-web' }],
          }),
        ],
        applications: [
          application('web', { project: 'web-only' }),
          application('sneaky', {
            project: 'web-only',
            source: { repoURL: 'https://git.example.com/team/secret', path: '.' },
          }),
        ],
      },
      { prune: true },
    );
    expect(out.created).toEqual(['web']);
    expect(out.problems).toEqual([
      'Application/sneaky: source repository https://git.example.com/team/secret is not permitted in project web-only; refused',
    ]);
    expect(await store.getProject('web-only')).toMatchObject({
      parent: 'root',
      sourceRepos: ['https://git.example.com/team/*', '!https://git.example.com/team/secret'],
    });
  });
});
