import { hasSyncOption, resourceSyncOptions } from '../../../../shared/engine/annotations.js';
import { objectWith } from '../fixtures.js';

const withOptions = (value: string) => objectWith('ConfigMap', { 'argocd.argoproj.io/sync-options': value });

describe('resourceSyncOptions and hasSyncOption', () => {
  test('"Prune=false,Replace=true" is read as two options', () => {
    expect(resourceSyncOptions(withOptions('Prune=false,Replace=true'))).toEqual(
      new Map([
        ['Prune', 'false'],
        ['Replace', 'true'],
      ]),
    );
  });

  test('spaces around names, values and commas are ignored, and empty parts skipped', () => {
    expect(resourceSyncOptions(withOptions(' Prune = false , ,Replace=true,'))).toEqual(
      new Map([
        ['Prune', 'false'],
        ['Replace', 'true'],
      ]),
    );
  });

  test('an object without the annotation has no options', () => {
    expect(resourceSyncOptions(objectWith('ConfigMap'))).toEqual(new Map());
  });

  test('hasSyncOption checks a value, "true" unless told, case-insensitively', () => {
    const obj = withOptions('Prune=false,Replace=True');

    expect(hasSyncOption(obj, 'Prune', 'false')).toBe(true);
    expect(hasSyncOption(obj, 'Prune')).toBe(false);
    expect(hasSyncOption(obj, 'Replace')).toBe(true);
    expect(hasSyncOption(obj, 'ServerSideApply')).toBe(false);
    expect(hasSyncOption(objectWith('ConfigMap'), 'Prune', 'false')).toBe(false);
  });
});
