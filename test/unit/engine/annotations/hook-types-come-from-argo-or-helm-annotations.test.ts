import { hookTypesOf } from '../../../../shared/engine/annotations.js';
import { ManifestError } from '../../../../shared/engine/errors.js';
import { objectWith } from '../fixtures.js';

const job = (annotations: Record<string, string>) =>
  objectWith('Job', annotations, { apiVersion: 'batch/v1', name: 'db-migrate' });

describe('hookTypesOf', () => {
  test('an object with no hook annotation is not a hook', () => {
    expect(hookTypesOf(job({}))).toEqual([]);
  });

  test('Argo CD hook types are read as written, several separated by commas', () => {
    expect(hookTypesOf(job({ 'argocd.argoproj.io/hook': 'PreSync' }))).toEqual(['PreSync']);
    expect(hookTypesOf(job({ 'argocd.argoproj.io/hook': 'Sync, SyncFail' }))).toEqual(['Sync', 'SyncFail']);
    expect(hookTypesOf(job({ 'argocd.argoproj.io/hook': 'Skip' }))).toEqual(['Skip']);
  });

  test('an unknown Argo CD hook type is a ManifestError naming the object', () => {
    expect(() => hookTypesOf(job({ 'argocd.argoproj.io/hook': 'PreSync,PostDelete-ish' }))).toThrow(
      ManifestError,
    );
    expect(() => hookTypesOf(job({ 'argocd.argoproj.io/hook': 'presync' }))).toThrow(
      'Job/team-a/db-migrate: unknown hook type "presync" in argocd.argoproj.io/hook',
    );
  });

  test('Helm install and upgrade hooks map to PreSync and PostSync, without repeats', () => {
    expect(hookTypesOf(job({ 'helm.sh/hook': 'pre-install' }))).toEqual(['PreSync']);
    expect(hookTypesOf(job({ 'helm.sh/hook': 'pre-install,pre-upgrade' }))).toEqual(['PreSync']);
    expect(hookTypesOf(job({ 'helm.sh/hook': 'post-install, post-upgrade' }))).toEqual(['PostSync']);
    expect(hookTypesOf(job({ 'helm.sh/hook': 'pre-upgrade,post-upgrade' }))).toEqual(['PreSync', 'PostSync']);
  });

  test('Helm hooks with no Argo CD equivalent are skipped; mixed with a mapped one, only the mapped one counts', () => {
    expect(hookTypesOf(job({ 'helm.sh/hook': 'test' }))).toEqual(['Skip']);
    expect(hookTypesOf(job({ 'helm.sh/hook': 'pre-delete,post-delete' }))).toEqual(['Skip']);
    expect(hookTypesOf(job({ 'helm.sh/hook': 'pre-install,test' }))).toEqual(['PreSync']);
  });

  test('the Argo CD annotation wins over the Helm one', () => {
    expect(
      hookTypesOf(job({ 'argocd.argoproj.io/hook': 'PostSync', 'helm.sh/hook': 'pre-install' })),
    ).toEqual(['PostSync']);
  });
});
