import { parseManifests } from '../../../../shared/source/yaml.js';

/** The one object of a one-document text. */
const only = (text: string) => parseManifests(text, 'f.yaml')[0]!.object as Record<string, unknown>;

describe('plain scalars resolve as sigs.k8s.io/yaml (go-yaml v2, YAML 1.1) resolves them for kubectl', () => {
  test('a leading zero is octal: defaultMode 0644 is 420, not 644', () => {
    expect(only('defaultMode: 0644\nb: 0o755\nc: 0x1F\nd: 0b101\ne: 1_000\nf: -017\n')).toEqual({
      defaultMode: 420,
      b: 493,
      c: 31,
      d: 5,
      e: 1000,
      f: -15,
    });
  });

  test('yes/no/on/off/y/n are booleans, in any of their three spellings', () => {
    expect(only('a: yes\nb: No\nc: ON\nd: off\ne: y\nf: N\ng: True\nh: FALSE\n')).toEqual({
      a: true,
      b: false,
      c: true,
      d: false,
      e: true,
      f: false,
      g: true,
      h: false,
    });
  });

  test('dates stay the text written, not Date objects', () => {
    expect(only('a: 2024-01-01\nb: 2024-01-01T10:00:00Z\n')).toEqual({
      a: '2024-01-01',
      b: '2024-01-01T10:00:00Z',
    });
  });

  test('floats, nulls and quoted strings', () => {
    expect(only('a: 1.5\nb: 1e3\nc: ~\nd: null\ne: "0644"\nf: \'yes\'\ng: 08\nh: .5\n')).toEqual({
      a: 1.5,
      b: 1000,
      c: null,
      d: null,
      e: '0644',
      f: 'yes',
      g: 8,
      h: 0.5,
    });
  });

  test('explicit standard tags are honoured', () => {
    expect(only('a: !!str 0644\nb: !!int "12"\nc: !!bool "yes"\n')).toEqual({ a: '0644', b: 12, c: true });
  });
});
