import {
  checkApiVersion,
  checkChartName,
  checkChartVersion,
  checkKubeVersion,
  checkNamespaceName,
  checkReleaseName,
  checkValueKey,
} from '../../../../shared/domain/tool-args.js';

// What an attacker writes into an Application hoping it reaches helm's or kustomize's command line.
const optionShaped = [
  '--post-renderer=/bin/sh',
  '--post-renderer',
  '-h',
  '--kubeconfig=/etc/passwd',
  '--repo=http://169.254.169.254/',
  'ok\n--debug',
  'ok --debug',
  '$(id)',
  'a;id',
  '',
];

describe('values from an Application that would reach a tool command line', () => {
  test.each(optionShaped)('the release name %j is refused, naming the field', (value) => {
    expect(() => checkReleaseName(value)).toThrow(/^helm releaseName ".*" is not valid/s);
  });

  test.each(optionShaped)('the namespace %j is refused', (value) => {
    expect(() => checkNamespaceName(value)).toThrow(/helm namespace .* is not valid/s);
  });

  test.each(optionShaped)('the kube version %j is refused', (value) => {
    expect(() => checkKubeVersion(value)).toThrow(/helm kubeVersion .* is not valid/s);
  });

  test.each(optionShaped)('the API version %j is refused', (value) => {
    expect(() => checkApiVersion(value)).toThrow(/helm apiVersions entry .* is not valid/s);
  });

  test.each([...optionShaped, 'a=b', 'a,b=c', 'a b'])('the value key %j is refused', (value) => {
    expect(() => checkValueKey(value, 'helm parameter name')).toThrow(/helm parameter name .* is not valid/s);
  });

  test.each([...optionShaped, '../../etc', 'a/b'])('the chart name %j is refused', (value) => {
    expect(() => checkChartName(value)).toThrow(/chart .* is not valid/s);
  });

  test.each(['--post-renderer=/bin/sh', '-1', 'ok\n--debug', '$(id)', 'a;id'])(
    'the chart version %j is refused',
    (value) => {
      expect(() => checkChartVersion(value)).toThrow(/chart version .* is not valid/s);
    },
  );

  test('helm release names longer than 53 characters are refused, as helm refuses them', () => {
    expect(() => checkReleaseName('a'.repeat(54))).toThrow(/at most 53/);
    expect(checkReleaseName('a'.repeat(53))).toBe('a'.repeat(53));
  });

  test('ordinary values pass unchanged', () => {
    expect(checkReleaseName('guestbook-prod.v2')).toBe('guestbook-prod.v2');
    expect(checkNamespaceName('payments')).toBe('payments');
    expect(checkKubeVersion('v1.36.3-eks-4a2c')).toBe('v1.36.3-eks-4a2c');
    expect(checkApiVersion('monitoring.coreos.com/v1/ServiceMonitor')).toBe(
      'monitoring.coreos.com/v1/ServiceMonitor',
    );
    expect(checkApiVersion('v1')).toBe('v1');
    expect(checkValueKey('ingress.annotations.kubernetes\\.io/ingress\\.class', 'k')).toBeTruthy();
    expect(checkValueKey('servers[0].port', 'k')).toBe('servers[0].port');
    expect(checkChartName('ingress-nginx')).toBe('ingress-nginx');
    for (const v of ['1.2.3', '^1.2', '>=1.0, <2.0', '1.2.x || 2.*', '1.0.0-rc.1+build.5', '*'])
      expect(checkChartVersion(v)).toBe(v);
  });

  test('errors show the value escaped and cut, never a raw newline or a kilobyte of it', () => {
    const err = (() => {
      try {
        checkReleaseName(`x\n${'y'.repeat(5000)}`);
      } catch (e) {
        return (e as Error).message;
      }
    })()!;
    expect(err).not.toContain('\n');
    expect(err.length).toBeLessThan(400);
  });
});
