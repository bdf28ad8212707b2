import type { App } from '../../../shared/domain/app.js';
import { dependencyCycleProblem } from '../../../shared/domain/app-dependencies.js';
import { parseApplication } from '../../../shared/domain/application-manifest.js';
import { autoRollbackWindowMs, promotionOf } from '../../../shared/domain/delivery-annotations.js';

// gitferry.dev/auto-rollback, promote-after and soak are tenant input: bad values are refused at
// save time naming the Application and the annotation; good ones read back as durations and names.
const manifest = (annotations: Record<string, unknown>) => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name: 'prod-eu', annotations },
  spec: {
    source: { repoURL: 'https://github.com/acme/shop', path: 'prod-eu' },
    destination: { name: 'prod', namespace: 'shop' },
  },
});

test.each<[Record<string, unknown>, string]>([
  [
    { 'gitferry.dev/auto-rollback': '$(id)' },
    'metadata.annotations["gitferry.dev/auto-rollback"] must be a duration',
  ],
  [{ 'gitferry.dev/auto-rollback': '0s' }, 'gitferry.dev/auto-rollback'],
  [{ 'gitferry.dev/auto-rollback': '25h' }, 'at most 24h'],
  [{ 'gitferry.dev/auto-rollback': '9'.repeat(100) + 'm' }, 'gitferry.dev/auto-rollback'],
  [{ 'gitferry.dev/auto-rollback': 10 }, 'gitferry.dev/auto-rollback'],
  [{ 'gitferry.dev/promote-after': '--kubeconfig=/etc/passwd' }, 'is not an app name'],
  [{ 'gitferry.dev/promote-after': 'staging;rm -rf /' }, 'is not an app name'],
  [{ 'gitferry.dev/promote-after': 'prod-eu' }, 'cannot be promoted after itself'],
  [{ 'gitferry.dev/soak': '5m' }, 'needs metadata.annotations["gitferry.dev/promote-after"]'],
  [{ 'gitferry.dev/promote-after': 'staging', 'gitferry.dev/soak': '169h' }, 'at most 168h'],
  [{ 'gitferry.dev/promote-after': 'staging', 'gitferry.dev/soak': '5 minutes' }, 'gitferry.dev/soak'],
])('%j is refused naming the Application and the annotation', (annotations, message) => {
  expect(() => parseApplication(manifest(annotations))).toThrow(/^Application\/prod-eu: /);
  expect(() => parseApplication(manifest(annotations))).toThrow(message);
});

test('valid annotations read back', () => {
  const { app } = parseApplication(
    manifest({
      'gitferry.dev/auto-rollback': '1h30m',
      'gitferry.dev/promote-after': 'staging',
      'gitferry.dev/soak': '5m',
    }),
  );
  expect(autoRollbackWindowMs(app)).toBe(90 * 60_000);
  expect(promotionOf(app)).toEqual({ after: 'staging', soakMs: 300_000 });
  expect(promotionOf({ ...app, annotations: { 'gitferry.dev/promote-after': 'staging' } })?.soakMs).toBe(0);
});

test('a promote-after chain that loops back is a cycle, named with the annotation that closes it', () => {
  const app = (name: string, after: string): App => ({
    ...parseApplication(manifest({})).app,
    name,
    annotations: { 'gitferry.dev/promote-after': after },
  });
  const stored = [app('staging', 'prod-us'), app('prod-eu', 'staging')];
  expect(dependencyCycleProblem(app('prod-us', 'prod-eu'), stored)).toBe(
    'Application/prod-us: gitferry.dev/promote-after would make a cycle: prod-us → prod-eu → staging → prod-us',
  );
  expect(dependencyCycleProblem(app('prod-us', 'other'), stored)).toBeUndefined();
});
