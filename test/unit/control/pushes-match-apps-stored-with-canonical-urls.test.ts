import { parseApplication } from '../../../shared/domain/application-manifest.js';
import { appsForPush } from '../../../shared/control/push-intake.js';
import type { PushEvent } from '../../../shared/webhooks/types.js';

const { app } = parseApplication({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name: 'shop' },
  spec: {
    source: { repoURL: 'https://GitHub.com/Org/Repo.git/', path: 'deploy', targetRevision: 'main' },
    destination: { name: 'prod', namespace: 'shop' },
  },
});

const push = (repoUrls: string[]): PushEvent => ({
  provider: 'github',
  deliveryId: 'd1',
  repoUrls,
  branch: 'main',
  sha: 'b'.repeat(40),
});

describe('a push to an app stored with a canonical repoURL', () => {
  test('matches the URLs GitHub and GitLab report, whatever their case or .git suffix', () => {
    expect(app.sources[0]!.repoURL).toBe('https://github.com/Org/Repo.git');
    for (const url of [
      'https://github.com/org/repo',
      'https://github.com/Org/Repo.git',
      'https://GITHUB.com/org/repo/',
    ])
      expect(appsForPush([app], push([url])).map((a) => a.name)).toEqual(['shop']);
  });

  test('is not matched by URLs that only resolve to it (dot segments, userinfo) or by other hosts', () => {
    for (const url of [
      'https://github.com/other/../org/repo',
      'https://github.com/org/%2e/repo',
      'https://github.com.evil.net/org/repo',
      'https://x@github.com/org/repo',
      'git@github.com:org/repo.git',
    ])
      expect(appsForPush([app], push([url]))).toEqual([]);
  });
});
