import { withSharedResourceConditions } from '../../../shared/control/shared-resources.js';

describe('SharedResourceWarning conditions', () => {
  const at = '2030-01-01T00:00:00.000Z';
  const comparisonError = { type: 'ComparisonError' as const, message: 'repo unreachable', at };

  test("each plan warning becomes a condition; last comparison's warnings are replaced, other conditions kept", () => {
    const previous = [
      comparisonError,
      { type: 'SharedResourceWarning' as const, message: 'ConfigMap/a/old is already managed by app x', at },
    ];

    expect(
      withSharedResourceConditions(previous, ['ConfigMap/a/shared is already managed by app first'], at),
    ).toEqual([
      comparisonError,
      { type: 'SharedResourceWarning', message: 'ConfigMap/a/shared is already managed by app first', at },
    ]);
  });

  test('a comparison without warnings clears them', () => {
    expect(
      withSharedResourceConditions(
        [
          {
            type: 'SharedResourceWarning',
            message: 'ConfigMap/a/shared is already managed by app first',
            at,
          },
        ],
        [],
        at,
      ),
    ).toEqual([]);
  });
});
