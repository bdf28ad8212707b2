import { massPrune } from '../../../../shared/engine/prune-filters.js';
import { options } from './support.js';

describe('the mass-prune prune filter', () => {
  test('holds a prune of more than the unconfirmed maximum that is also more than half of the app', () => {
    expect(massPrune.name).toBe('mass-prune');
    expect(massPrune.hold(11, options({}, 21))).toBe(
      'held for confirmation (this sync would prune 11 of 21 objects); run a manual sync with prune to delete them',
    );
  });

  test.each([
    [10, 12, 'not more than the maximum (10)'],
    [11, 22, 'exactly half of the app, not more'],
    [2, 3, 'most of a small app'],
    [0, 0, 'nothing to prune in an empty inventory'],
  ])('lets %i of %i through: %s', (pruning, inventorySize) => {
    expect(massPrune.hold(pruning, options({}, inventorySize))).toBeUndefined();
  });

  test('a confirmed prune is never held, however large', () => {
    expect(massPrune.hold(500, options({ confirmPrune: true }, 500))).toBeUndefined();
  });

  test('the maximum is an option: at 0, any prune of more than half of the app waits', () => {
    expect(massPrune.hold(2, options({ maxUnconfirmedPrunes: 0 }, 3))).toMatch(/would prune 2 of 3 objects/);
  });
});
