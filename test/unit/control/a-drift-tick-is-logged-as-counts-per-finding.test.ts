import { tickSummary } from '../../../shared/control/drift-check.js';

describe('a drift tick in the log', () => {
  it('counts the woken apps per finding instead of listing 10,000 names', () => {
    const woken = [
      ...Array.from({ length: 9_998 }, (_, i) => ({ app: `app-${i}`, finding: 'new-revision' as const })),
      { app: 'edited', finding: 'live-changed' as const },
      { app: 'fresh', finding: 'never-compared' as const },
    ];
    const storeReads = { views: 2, statuses: 3, inventories: 1 };
    const summary = tickSummary({ clusters: 2, apps: 10_005, unchanged: 4, busy: 1, woken, storeReads });
    expect(summary).toEqual({
      clusters: 2,
      apps: 10_005,
      unchanged: 4,
      busy: 1,
      storeReads,
      woken: 10_000,
      findings: { 'new-revision': 9_998, 'live-changed': 1, 'never-compared': 1 },
    });
    expect(JSON.stringify(summary).length).toBeLessThan(250);
  });
});
