import { parseApplication } from '../../../shared/domain/application-manifest.js';

const manifest = (labels: unknown) => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name: 'shop', labels },
  spec: {
    source: { repoURL: 'https://git.example/r.git', path: 'x' },
    destination: { name: 'c', namespace: 'n' },
  },
});

test("an Application's labels are kept (the web UI filters by them)", () => {
  expect(parseApplication(manifest({ team: 'a', tier: 'web' })).app.labels).toEqual({
    team: 'a',
    tier: 'web',
  });
  expect(parseApplication(manifest(undefined)).app.labels).toBeUndefined();
});

test('hostile labels are refused with an error naming the app: not strings, too long, too many', () => {
  expect(() => parseApplication(manifest({ team: { $ne: 1 } }))).toThrow(
    /^Application\/shop: metadata\.labels\.team must be a string/,
  );
  expect(() => parseApplication(manifest({ team: 'x'.repeat(64) }))).toThrow(
    /Application\/shop: metadata\.labels\.team/,
  );
  expect(() => parseApplication(manifest({ ['k'.repeat(318)]: 'v' }))).toThrow(/Application\/shop/);
  const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`l${i}`, 'v']));
  expect(() => parseApplication(manifest(many))).toThrow(
    'Application/shop: metadata.labels has more than 64 labels',
  );
});
