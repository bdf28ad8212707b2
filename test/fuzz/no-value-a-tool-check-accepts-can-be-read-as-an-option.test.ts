import fc from 'fast-check';
import { isRemoteReference } from '../../shared/source/kustomize.js';
import {
  checkApiVersion,
  checkChartName,
  checkChartVersion,
  checkKubeVersion,
  checkNamespaceName,
  checkReleaseName,
  checkValueKey,
  ToolArgumentError,
} from '../../shared/domain/tool-args.js';
import { fuzzRuns } from '../support/fuzz.js';

const checks: [string, (v: string) => string][] = [
  ['release name', (v) => checkReleaseName(v)],
  ['namespace', (v) => checkNamespaceName(v)],
  ['kube version', (v) => checkKubeVersion(v)],
  ['API version', (v) => checkApiVersion(v)],
  ['value key', (v) => checkValueKey(v, 'key')],
  ['chart name', (v) => checkChartName(v)],
  ['chart version', (v) => checkChartVersion(v)],
];

// Strings that look like what an attacker tries: option prefixes, separators, control characters.
const hostile = fc.oneof(
  fc.string(),
  fc.string({
    unit: fc.constantFrom('-', '=', ',', ' ', '\n', '\t', '\0', 'a', '1', '.', '/', '$', '(', ';'),
  }),
  fc.tuple(fc.constantFrom('-', '--', '--post-renderer=', ' -', '\n-'), fc.string()).map(([a, b]) => a + b),
);

describe('tool argument checks under fuzzing', () => {
  test.each(checks)(
    'a %s that passes is returned unchanged, never starts with "-" and holds no control characters',
    (_n, check) => {
      fc.assert(
        fc.property(hostile, (value) => {
          let accepted: string | undefined;
          try {
            accepted = check(value);
          } catch (err) {
            if (!(err instanceof ToolArgumentError)) throw err;
            return;
          }
          return (
            accepted === value &&
            !value.trimStart().startsWith('-') &&
            !/[\s\0]/.test(value.replace(/ /g, '')) &&
            !value.includes('\n')
          );
        }),
        { numRuns: fuzzRuns() },
      );
    },
  );

  test('any kustomize reference with a scheme or scp-like host is remote', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z][a-z0-9+.-]{0,8}$/),
        fc.oneof(fc.constant(':'), fc.constant('::'), fc.constant('://')),
        fc.string(),
        (scheme, sep, rest) => isRemoteReference(`${scheme}${sep}${rest}`),
      ),
      { numRuns: fuzzRuns() },
    );
  });
});
