import { isRemoteReference } from '../../../../shared/source/kustomize.js';

describe('kustomize references that would be fetched from the network', () => {
  test.each([
    'https://raw.githubusercontent.com/org/repo/main/deploy.yaml',
    'http://169.254.169.254/latest/meta-data/',
    'HTTPS://example.com/x.yaml',
    'git::https://github.com/org/repo//deploy?ref=v1',
    'gh:org/repo//deploy',
    'github.com/org/repo//deploy?ref=main',
    'GitHub.com/org/repo',
    'gitlab.com/org/repo',
    'git@github.com:org/repo.git//deploy',
    'deploy@internal.corp:org/repo',
    'ssh://git@github.com/org/repo',
    'file:///etc/passwd',
    'example.com/org/repo.git',
    'example.com/org/repo//deploy',
    'example.com/org/repo?ref=v1',
  ])('%s is remote', (entry) => {
    expect(isRemoteReference(entry)).toBe(true);
  });

  test.each(['base', '../base', 'overlays/prod', 'deployment.yaml', 'config/app.env', 'my.app/deploy.yaml'])(
    '%s is a local path',
    (entry) => {
      expect(isRemoteReference(entry)).toBe(false);
    },
  );
});
