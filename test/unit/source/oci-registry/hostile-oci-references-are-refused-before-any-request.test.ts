import { parseOciReference } from '../../../../shared/source/oci-registry.js';
import { ManifestFormatError, parseApplication } from '../../../../shared/domain/application-manifest.js';

const refusal = (repoURL: string, chart = 'db'): Error => {
  try {
    parseOciReference(repoURL, chart);
  } catch (err) {
    return err as Error;
  }
  throw new Error(`${repoURL} ${chart} was accepted`);
};

describe('an OCI chart reference from a tenant', () => {
  test('a plain reference names the registry and repository', () => {
    expect(parseOciReference('oci://Registry.Example.com:5000/team/charts', 'db')).toEqual({
      host: 'registry.example.com:5000',
      repository: 'team/charts/db',
    });
    expect(parseOciReference('oci://[::1]:5000', 'db')).toEqual({ host: '[::1]:5000', repository: 'db' });
  });

  test.each([
    ['oci://deploy:s3cr3t-t0ken@registry.example.com/charts', 'db', 'without credentials'],
    ['oci://registry.example.com/charts?token=s3cr3t-t0ken', 'db', 'without credentials, query or fragment'],
    ['oci://registry.example.com/charts#s3cr3t-t0ken', 'db', 'without credentials, query or fragment'],
    ['https://registry.example.com/charts', 'db', 'must be written oci://'],
    ['oci://registry.example.com:99999/charts', 'db', 'port 99999 is out of range'],
    ['oci://-registry.example.com/charts', 'db', 'is not a host name'],
    ['oci://registry.example.com/../../v2/_catalog', 'db', 'is not a valid OCI repository name'],
    ['oci://registry.example.com/Charts', 'db', 'is not a valid OCI repository name'],
    ['oci://registry.example.com/charts', '../../etc', 'is not valid'],
    ['oci://registry.example.com/charts', '--post-renderer=/bin/sh', 'is not valid'],
    ['oci://registry.example.com/charts\n--plain-http', 'db', 'must be written oci://'],
  ])('%j (chart %j) is refused: %s, and no secret is repeated', (url, chart, why) => {
    const err = refusal(url, chart);
    expect(err.message).toContain(why);
    expect(err.message).not.toContain('s3cr3t-t0ken');
  });
});

describe('an Application naming an OCI chart', () => {
  const app = (source: Record<string, unknown>) => ({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'db' },
    spec: { project: 'default', source, destination: { name: 'prod', namespace: 'db' } },
  });

  test("Argo CD's form (a registry without scheme, plus chart) is stored as oci://", () => {
    const { app: parsed } = parseApplication(
      app({ repoURL: 'registry-1.docker.io/bitnamicharts', chart: 'nginx', targetRevision: '15.9.0' }),
    );
    expect(parsed.sources[0]!.repoURL).toBe('oci://registry-1.docker.io/bitnamicharts');
    const { app: explicit } = parseApplication(app({ repoURL: 'OCI://GHCR.io/acme/charts/', chart: 'api' }));
    expect(explicit.sources[0]!.repoURL).toBe('oci://ghcr.io/acme/charts');
  });

  test.each([
    [
      { repoURL: 'oci://ghcr.io/acme/charts', path: 'app' },
      'an oci:// registry holds Helm charts: name one in spec.source.chart',
    ],
    [{ repoURL: 'oci://deploy:s3cr3t@ghcr.io/acme', chart: 'api' }, 'must not carry a user name or password'],
    [{ repoURL: 'registry-1.docker.io/bitnamicharts', path: 'app' }, 'is not an http:// or https:// URL'],
    [
      { repoURL: 'oci://ghcr.io/acme/charts', chart: 'api', targetRevision: '--devel' },
      'spec.source.targetRevision',
    ],
  ])('%j is refused naming the field', (source, why) => {
    let message = '';
    try {
      parseApplication(app(source));
    } catch (err) {
      expect(err).toBeInstanceOf(ManifestFormatError);
      message = (err as Error).message;
    }
    expect(message).toContain(why);
    expect(message).not.toContain('s3cr3t');
  });
});
