import { parseApplication } from '../../../shared/domain/application-manifest.js';

const application = (source: Record<string, unknown>) => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name: 'shop' },
  spec: {
    project: 'default',
    source: { repoURL: 'https://github.com/acme/shop.git', path: 'chart', targetRevision: 'main', ...source },
    destination: { name: 'prod', namespace: 'shop' },
  },
});

const attack = '--post-renderer=/bin/sh';

describe('an Application whose helm values would reach the command line', () => {
  test.each<[string, Record<string, unknown>, string]>([
    ['releaseName', { helm: { releaseName: attack } }, 'spec.source.helm.releaseName'],
    ['helm namespace', { helm: { namespace: attack } }, 'spec.source.helm.namespace'],
    ['kubeVersion', { helm: { kubeVersion: attack } }, 'spec.source.helm.kubeVersion'],
    ['apiVersions', { helm: { apiVersions: ['v1', attack] } }, 'spec.source.helm.apiVersions[1]'],
    [
      'a parameter name',
      { helm: { parameters: [{ name: attack, value: 'x' }] } },
      'spec.source.helm.parameters[0].name',
    ],
    [
      'a file parameter name',
      { helm: { fileParameters: [{ name: attack, path: 'f' }] } },
      'spec.source.helm.fileParameters[0].name',
    ],
    ['a chart name', { chart: attack, path: undefined }, 'spec.source.chart'],
    [
      'a chart version',
      { chart: 'web', path: undefined, targetRevision: attack },
      'spec.source.targetRevision',
    ],
  ])('is refused when accepted, naming %s', (_what, source, field) => {
    expect(() => parseApplication(application(source))).toThrow(
      `Application/shop: ${field} "${attack}" is not valid`,
    );
  });

  test('ordinary values are accepted', () => {
    const { app } = parseApplication(
      application({ helm: { releaseName: 'shop-prod', parameters: [{ name: 'image.tag', value: '--x' }] } }),
    );
    expect(app.sources[0]!.helm?.releaseName).toBe('shop-prod');
  });
});
