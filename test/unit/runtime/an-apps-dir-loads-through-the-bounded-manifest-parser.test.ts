import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildLocalRuntime, loadAppsDir, type LocalRuntime } from '../../../shared/runtime/local.js';
import type { Logger } from '../../../shared/ports/logger.js';

const quiet: Logger = { info: () => {}, warn: () => {}, error: () => {} };
const application = (name: string) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: { name: ${name} }
spec:
  project: team
  source: { repoURL: https://git.example.com/team/app.git, path: deploy, targetRevision: main }
  destination: { name: prod, namespace: team }
`;

describe('serve --apps-dir', () => {
  let root: string;
  let rt: LocalRuntime;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'gitferry-apps-dir-'));
    mkdirSync(join(root, 'data'));
    rt = buildLocalRuntime({
      dataDir: join(root, 'data'),
      tools: { helm: '/nonexistent', kustomize: '/nonexistent' },
    });
  });
  afterEach(() => {
    rt.db.close();
    rmSync(root, { recursive: true, force: true });
  });

  test('loads the AppProjects and Applications of every YAML file, in several documents', async () => {
    const dir = join(root, 'apps');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'team.yaml'),
      `apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata: { name: team }\nspec:\n  sourceRepos: ['https://git.example.com/team/*']\n  destinations: [{ name: prod, namespace: team }]\n---\n${application('web')}`,
    );
    writeFileSync(join(dir, 'api.yml'), application('api'));
    expect(await loadAppsDir(dir, rt, quiet)).toEqual(['api', 'web']);
    expect((await rt.store.getProject('team'))?.sourceRepos).toEqual(['https://git.example.com/team/*']);
  });

  test('an app closing a dependency cycle is refused with its file, naming the cycle', async () => {
    const dir = join(root, 'cycle');
    mkdirSync(dir);
    const withDeps = (name: string, deps: string) =>
      application(name).replace(
        `{ name: ${name} }`,
        `{ name: ${name}, annotations: { gitferry.dev/depends-on: ${deps} } }`,
      );
    writeFileSync(join(dir, 'a.yaml'), withDeps('a', 'b'));
    writeFileSync(join(dir, 'b.yaml'), withDeps('b', 'a'));
    await expect(loadAppsDir(dir, rt, quiet)).rejects.toThrow(
      'b.yaml: Application/b: gitferry.dev/depends-on would make a cycle: b → a → b',
    );
    expect((await rt.store.listApps()).map((a) => a.name)).toEqual(['a']);
  });

  test('a billion-laughs file is refused with its name, without expanding', async () => {
    const dir = join(root, 'lol');
    mkdirSync(dir);
    const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++)
      laughs.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(',')}]`,
      );
    writeFileSync(join(dir, 'lol.yaml'), `${application('lol')}${laughs.join('\n')}\n`);
    await expect(loadAppsDir(dir, rt, quiet)).rejects.toThrow(/^lol\.yaml/);
    expect(await rt.store.listApps()).toEqual([]);
  });
});
