import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { AppSource, HelmOptions } from '../../../shared/source/types.js';
import { TestRepo } from '../../support/git.js';
import { sourceKit, type SourceKit } from '../../support/source.js';
import { execFileAsync, testbed } from '../../support/testbed.js';

// A chart whose output is also a shell script: were any value to become `--post-renderer=/bin/sh`,
// helm would pipe the manifests into sh, which would run the `touch` line and create the marker.
const chart = {
  'chart/Chart.yaml': 'apiVersion: v2\nname: probe\nversion: 0.1.0\n',
  'chart/values.yaml': 'marker: /nonexistent\ngreeting: hello\n',
  'chart/templates/cm.yaml': [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: probe',
    'data:',
    '  greeting: {{ .Values.greeting | quote }}',
    '  script: |',
    '    touch {{ .Values.marker }}',
    '',
  ].join('\n'),
};

describe('helm options of an Application', () => {
  let repo: TestRepo;
  let kit: SourceKit;
  let sha: string;
  let scratch: string;
  let marker: string;
  beforeAll(async () => {
    repo = await TestRepo.create('helm-injection');
    kit = sourceKit();
    sha = await repo.commit(chart);
    scratch = mkdtempSync(join(tmpdir(), 'gitferry-injection-'));
    marker = join(scratch, 'pwned');
  });
  afterAll(() => {
    repo.dispose();
    kit.dispose();
    rmSync(scratch, { recursive: true, force: true });
  });

  const render = (helm: HelmOptions, extra: { appName?: string; namespace?: string } = {}) => {
    const source: AppSource = {
      repoURL: repo.url,
      path: 'chart',
      helm: { ...helm, parameters: [{ name: 'marker', value: marker }, ...(helm.parameters ?? [])] },
    };
    return kit.renderer.render({
      appName: extra.appName ?? 'probe',
      namespace: extra.namespace ?? 'probe',
      sources: [source],
      revisions: [sha],
    });
  };

  const attack = '--post-renderer=/bin/sh';
  test.each<[string, HelmOptions, { appName?: string; namespace?: string }, RegExp]>([
    ['releaseName', { releaseName: attack }, {}, /helm releaseName "--post-renderer=\/bin\/sh" is not valid/],
    ['the app name as release name', {}, { appName: attack }, /helm release name \(the app name\)/],
    ['helm namespace', { namespace: attack }, {}, /helm namespace "--post-renderer/],
    ['destination namespace', {}, { namespace: attack }, /destination namespace "--post-renderer/],
    ['kubeVersion', { kubeVersion: attack }, {}, /helm kubeVersion "--post-renderer/],
    ['apiVersions', { apiVersions: ['v1', attack] }, {}, /helm apiVersions entry "--post-renderer/],
    ['a parameter name', { parameters: [{ name: attack, value: 'x' }] }, {}, /helm parameter name "--post/],
    [
      'a file parameter name',
      { fileParameters: [{ name: attack, path: 'values.yaml' }] },
      {},
      /helm file parameter name "--post/,
    ],
    ['a release name with a newline', { releaseName: `ok\n${attack}` }, {}, /helm releaseName "ok\\n--post/],
  ])('%s shaped like an option is refused and nothing runs', async (_field, helm, extra, why) => {
    await expect(render(helm, extra)).rejects.toThrow(why);
    expect(existsSync(marker)).toBe(false);
  });

  test('a parameter value shaped like options and --set syntax stays one literal value', async () => {
    const value = `x,${attack},marker=/tmp/elsewhere --debug`;
    const result = await render({ parameters: [{ name: 'greeting', value }] });
    expect(result.objects[0]!.object.data).toEqual({ greeting: value, script: `touch ${marker}\n` });
    expect(existsSync(marker)).toBe(false);
  });

  test('the probe is live: helm given that option directly runs the chart output as a script', async () => {
    const dir = join(scratch, 'direct');
    for (const [path, content] of Object.entries(chart)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    const direct = join(scratch, 'direct-marker');
    await execFileAsync(
      testbed().bin.helm,
      ['template', 'probe', join(dir, 'chart'), attack, '--set', `marker=${direct}`],
      {
        env: { HOME: scratch, PATH: '/usr/bin:/bin' },
      },
    ).catch(() => undefined);
    expect(existsSync(direct)).toBe(true);
  });
});
