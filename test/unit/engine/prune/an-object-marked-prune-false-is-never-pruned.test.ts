import { pruneDisabled } from '../../../../shared/engine/prune-filters.js';
import { objectWith } from '../fixtures.js';
import { candidate, liveObjects, options } from './support.js';

const withSyncOptions = (value: string) =>
  candidate(objectWith('ConfigMap', { 'argocd.argoproj.io/sync-options': value }));

describe('the prune-disabled prune filter', () => {
  test('holds a live object whose sync options say Prune=false, amid spaces, empty parts and another option', () => {
    const precious = candidate(liveObjects().get('precious')!);

    expect(pruneDisabled.name).toBe('prune-disabled');
    expect(pruneDisabled.hold(precious, options())).toBe('Prune=false');
  });

  test('holds it even when a person confirmed the prune: Prune=false is never overridden', () => {
    expect(pruneDisabled.hold(withSyncOptions('Prune=false'), options({ confirmPrune: true }))).toBe(
      'Prune=false',
    );
  });

  test('lets through objects without the option, with Prune=true, or with the option name in another case', () => {
    for (const value of ['Prune=true', 'Replace=true', '', 'prune=false', 'PruneLast=false']) {
      expect(pruneDisabled.hold(withSyncOptions(value), options())).toBeUndefined();
    }
    expect(pruneDisabled.hold(candidate(liveObjects().get('plain')!), options())).toBeUndefined();
  });

  test('lets through a candidate with no live copy to read (its kind is no longer served)', () => {
    const ref = { group: 'example.com', version: 'v1', kind: 'Widget', name: 'blue' };

    expect(pruneDisabled.hold({ ref, served: false }, options())).toBeUndefined();
  });
});
