import { otherOwner } from '../../../../shared/engine/prune-filters.js';
import { appName, candidate, liveObjects, options } from './support.js';

describe('the other-owner prune filter', () => {
  test('holds an object whose tracking annotation names another app, naming that app', () => {
    const adopted = candidate(liveObjects().get('adopted')!);

    expect(otherOwner.name).toBe('other-owner');
    expect(otherOwner.hold(adopted, options())).toBe('now managed by app other-app');
    expect(otherOwner.hold(adopted, options({ confirmPrune: true }))).toBe('now managed by app other-app');
  });

  test('lets through objects this app tracks, objects with an empty or no tracking annotation', () => {
    const live = liveObjects();

    expect(otherOwner.hold(candidate(live.get('plain')!), options())).toBeUndefined();
    expect(otherOwner.hold(candidate(live.get('untracked')!), options())).toBeUndefined();
    expect(otherOwner.hold(candidate(live.get('odd-wave')!), options())).toBeUndefined();
  });

  test('lets everything through when the sync belongs to no app (the engine run on its own)', () => {
    const adopted = candidate(liveObjects().get('adopted')!);

    expect(otherOwner.hold(adopted, options({ appName: undefined }))).toBeUndefined();
    expect(appName).not.toBe('other-app');
  });
});
