import { chartRevisionOf } from '../../../../shared/source/chart-revision.js';
import { pickChartVersion } from '../../../../shared/source/helm-repository.js';
import { checkChartVersion } from '../../../../shared/domain/tool-args.js';

const entries = ['0.9.0', '1.2.0', '1.3.0', '2.0.0', '2.1.0-rc.1', '3.0.0'].map((version) => ({ version }));

describe('a chart targetRevision stored as one revision token', () => {
  test.each([
    ['', '*', '3.0.0'],
    ['1.2.0', '1.2.0', '1.2.0'],
    ['>= 1.0, < 2.0', '>=1.0,<2.0', '1.3.0'],
    ['>=1.0 <2.0', '>=1.0,<2.0', '1.3.0'],
    ['1.2.x || 2.*', '1.2.x||2.*', '2.0.0'],
    ['^1.2', '^1.2', '1.3.0'],
    ['~ 1.2', '~1.2', '1.2.0'],
  ])('%j becomes %j, which picks %s', (spec, token, picked) => {
    const revision = chartRevisionOf(spec);
    expect(revision).toBe(token);
    expect(revision).not.toMatch(/\s/);
    expect(checkChartVersion(revision)).toBe(revision);
    expect(pickChartVersion(entries, 'web', revision).version).toBe(picked);
  });
});
