import { ManifestFormatError, parseApplication } from '../../../shared/domain/application-manifest.js';

const application = (jsonnet: unknown) => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name: 'web' },
  spec: {
    project: 'default',
    source: { repoURL: 'https://github.com/acme/web', path: 'jsonnet', directory: { jsonnet } },
    destination: { name: 'prod', namespace: 'web' },
  },
});

describe('directory.jsonnet of an Application', () => {
  test('extVars, tlas and libs are accepted as Argo CD writes them, and kept', () => {
    const jsonnet = {
      extVars: [
        { name: 'env', value: 'prod' },
        { name: 'cfg', value: '{a: 1}', code: true },
      ],
      tlas: [{ name: 'replicas', value: '3', code: true }],
      libs: ['vendor', 'lib/k8s'],
    };
    const { app, warnings } = parseApplication(application(jsonnet));
    expect(app.sources[0]!.directory?.jsonnet).toEqual(jsonnet);
    expect(warnings).toEqual([]);
  });

  test.each<[string, unknown, string]>([
    [
      'an option-shaped extVar name',
      { extVars: [{ name: '--jpath', value: '/' }] },
      'spec.source.directory.jsonnet.extVars[0].name "--jpath" is not valid',
    ],
    [
      'a tla name with "="',
      { tlas: [{ name: 'a=/etc/passwd', value: 'x' }] },
      'spec.source.directory.jsonnet.tlas[0].name "a=/etc/passwd" is not valid',
    ],
    [
      'a name with a newline',
      { extVars: [{ name: 'a\n--ext-code', value: 'x' }] },
      'extVars[0].name "a\\n--ext-code" is not valid',
    ],
    [
      'a lib climbing out',
      { libs: ['vendor/../../..'] },
      'spec.source.directory.jsonnet.libs[0] "vendor/../../.." must be a path inside the repository',
    ],
    [
      'an absolute lib',
      { libs: ['/etc'] },
      'spec.source.directory.jsonnet.libs[0] "/etc" must be a path inside the repository',
    ],
  ])('%s is refused naming the field', (_what, jsonnet, why) => {
    let message = '';
    try {
      parseApplication(application(jsonnet));
    } catch (err) {
      expect(err).toBeInstanceOf(ManifestFormatError);
      message = (err as Error).message;
    }
    expect(message).toContain(why);
  });

  test('an unknown jsonnet field is reported, never silently ignored', () => {
    const { warnings } = parseApplication(application({ libs: [], plugins: ['x'] }));
    expect(warnings).toEqual([
      'spec.source.directory.jsonnet.plugins is not supported by Gitferry and is ignored',
    ]);
  });
});
