import { ManifestFormatError, parseApplication } from '../../../shared/domain/application-manifest.js';

const application = (spec: Record<string, unknown>) => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name: 'guestbook' },
  spec: {
    project: 'default',
    source: { repoURL: 'https://github.com/acme/guestbook', path: 'app' },
    destination: { name: 'prod', namespace: 'guestbook' },
    ...spec,
  },
});

function refusal(doc: unknown): string {
  try {
    parseApplication(doc);
  } catch (err) {
    expect(err).toBeInstanceOf(ManifestFormatError);
    return (err as Error).message;
  }
  throw new Error('the application was accepted');
}

describe('an Application as it is accepted', () => {
  test('stores every source repoURL in canonical form', () => {
    const { app } = parseApplication(
      application({
        source: undefined,
        sources: [
          { repoURL: 'https://GITHUB.com//Acme/Guestbook.git/', path: 'app' },
          { repoURL: 'HTTPS://charts.example.com:443/', chart: 'redis', targetRevision: '1.0.0' },
        ],
      }),
    );
    expect(app.sources.map((s) => s.repoURL)).toEqual([
      'https://github.com/Acme/Guestbook.git',
      'https://charts.example.com',
    ]);
  });

  test.each([
    ['https://github.com/good/../evil/x', '"." or ".." path segments'],
    ['https://github.com/good/%2e%2e/evil', 'percent-encodes'],
    ['https://GITHUB.com//good/./x', '"." or ".." path segments'],
    ['https://user:tok@github.com/good/x', 'must not carry a user name or password'],
    ['https://github.com/good/x?ref=1#frag', 'must not have a query'],
    ['https://git.example.com@evil.net/', 'must not carry a user name or password'],
    ['ssh://git@github.com/good/x', 'uses the ssh scheme'],
  ])('refuses spec.source.repoURL %j naming the app and the field', (repoURL, why) => {
    const message = refusal(application({ source: { repoURL, path: 'app' } }));
    expect(message).toMatch(/^Application\/guestbook: spec\.source\.repoURL: repository URL /);
    expect(message).toContain(why);
    expect(message).not.toContain('tok@');
  });

  test('names the source of a multi-source app', () => {
    const sources = [{ repoURL: 'https://github.com/a/b' }, { repoURL: 'https://github.com/a/./b' }];
    expect(refusal(application({ source: undefined, sources }))).toMatch(
      /^Application\/guestbook: spec\.sources\[1\]\.repoURL: /,
    );
  });

  test.each([
    [{ project: ['payments'] }, 'spec.project must be a string'],
    [{ destination: { name: 'prod', namespace: ['a'] } }, 'spec.destination.namespace must be a string'],
    [{ syncPolicy: { syncOptions: 'CreateNamespace=true' } }, 'spec.syncPolicy.syncOptions must be a list'],
    [
      { syncPolicy: { syncOptions: [{ CreateNamespace: true }] } },
      'spec.syncPolicy.syncOptions must be a list of strings',
    ],
    [
      { syncPolicy: { managedNamespaceMetadata: { labels: { team: { nested: 1 } } } } },
      'spec.syncPolicy.managedNamespaceMetadata.labels must map strings to strings',
    ],
    [
      { syncPolicy: { managedNamespaceMetadata: 'x' } },
      'spec.syncPolicy.managedNamespaceMetadata must be an object',
    ],
  ])('refuses a wrongly typed field: %j', (spec, why) => {
    expect(refusal(application(spec))).toBe(`Application/guestbook: ${why}`);
  });
});
