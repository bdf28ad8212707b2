import { syncWaveOf } from '../../../../shared/engine/annotations.js';
import { ManifestError } from '../../../../shared/engine/errors.js';
import { objectWith } from '../fixtures.js';

const wave = (value: string) =>
  objectWith('Deployment', { 'argocd.argoproj.io/sync-wave': value }, { apiVersion: 'apps/v1' });

describe('syncWaveOf', () => {
  test('an object without the annotation is in wave 0', () => {
    expect(syncWaveOf(objectWith('Deployment', {}, { apiVersion: 'apps/v1' }))).toBe(0);
    expect(syncWaveOf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' } })).toBe(0);
  });

  test('an empty annotation is wave 0', () => {
    expect(syncWaveOf(wave(''))).toBe(0);
  });

  test('positive and negative integers are their wave', () => {
    expect(syncWaveOf(wave('5'))).toBe(5);
    expect(syncWaveOf(wave('-3'))).toBe(-3);
    expect(syncWaveOf(wave('0'))).toBe(0);
  });

  test.each(['abc', '1.5', 'two', '5a'])('a wave of "%s" is a ManifestError naming the object', (value) => {
    expect(() => syncWaveOf(wave(value))).toThrow(ManifestError);
    expect(() => syncWaveOf(wave(value))).toThrow(
      `Deployment/team-a/web: annotation argocd.argoproj.io/sync-wave must be an integer, got "${value}"`,
    );
  });

  // Argo CD reads the wave with Go's strconv.Atoi (decimal digits only). JavaScript's Number() also
  // reads hex, binary, octal and exponent notation, which would put these in waves 16, 3, 8 and 1000.
  test('a wave in hex, binary, octal or exponent notation is not a decimal integer and is refused', () => {
    const read = (value: string) => {
      try {
        return syncWaveOf(wave(value));
      } catch (err) {
        return err instanceof ManifestError ? 'refused' : err;
      }
    };

    expect(['0x10', '0b11', '0o10', '1e3'].map((v) => [v, read(v)])).toEqual([
      ['0x10', 'refused'],
      ['0b11', 'refused'],
      ['0o10', 'refused'],
      ['1e3', 'refused'],
    ]);
  });
});
