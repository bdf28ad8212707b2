import { hookDeletePoliciesOf } from '../../../../shared/engine/annotations.js';
import { ManifestError } from '../../../../shared/engine/errors.js';
import { objectWith } from '../fixtures.js';

const job = (annotations: Record<string, string>) =>
  objectWith('Job', annotations, { apiVersion: 'batch/v1', name: 'db-migrate' });

describe('hookDeletePoliciesOf', () => {
  test('a hook without a delete policy is deleted before its next creation', () => {
    expect(hookDeletePoliciesOf(job({ 'argocd.argoproj.io/hook': 'PreSync' }))).toEqual([
      'BeforeHookCreation',
    ]);
  });

  test('Argo CD policy names are read as written', () => {
    expect(
      hookDeletePoliciesOf(job({ 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded, HookFailed' })),
    ).toEqual(['HookSucceeded', 'HookFailed']);
  });

  test('Helm policy names map to the Argo CD ones', () => {
    expect(
      hookDeletePoliciesOf(
        job({ 'helm.sh/hook-delete-policy': 'hook-succeeded,hook-failed,before-hook-creation' }),
      ),
    ).toEqual(['HookSucceeded', 'HookFailed', 'BeforeHookCreation']);
  });

  test('the Argo CD annotation wins over the Helm one', () => {
    expect(
      hookDeletePoliciesOf(
        job({
          'argocd.argoproj.io/hook-delete-policy': 'HookFailed',
          'helm.sh/hook-delete-policy': 'hook-succeeded',
        }),
      ),
    ).toEqual(['HookFailed']);
  });

  test('an unknown policy is a ManifestError naming the object', () => {
    expect(() => hookDeletePoliciesOf(job({ 'argocd.argoproj.io/hook-delete-policy': 'Always' }))).toThrow(
      ManifestError,
    );
    expect(() => hookDeletePoliciesOf(job({ 'helm.sh/hook-delete-policy': 'hook-always' }))).toThrow(
      'Job/team-a/db-migrate: unknown hook delete policy "hook-always"',
    );
  });
});
