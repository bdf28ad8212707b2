import { diffObjects } from '../../../../shared/engine/diff.js';
import { fixtureObject } from '../fixtures.js';

describe('diffObjects', () => {
  test('objects that differ only in server-owned metadata, status and key order are unchanged', () => {
    const live = fixtureObject('diff-deployment-live.yaml');
    const predicted = fixtureObject('diff-deployment-predicted.yaml');

    expect(diffObjects('Deployment/team-a/web', live, predicted)).toEqual({ changed: false, text: '' });
  });

  test('a changed field is a difference, shown as a unified diff of YAML naming the object', () => {
    const live = fixtureObject('diff-deployment-live.yaml');
    const predicted = fixtureObject('diff-deployment-predicted.yaml');
    (predicted.spec as { replicas: number }).replicas = 3;

    const d = diffObjects('Deployment/team-a/web', live, predicted);

    expect(d.changed).toBe(true);
    expect(d.text).toContain('--- Deployment/team-a/web (live)');
    expect(d.text).toContain('+++ Deployment/team-a/web (desired)');
    expect(d.text).toMatch(/^- {2}replicas: 2$/m);
    expect(d.text).toMatch(/^\+ {2}replicas: 3$/m);
    expect(d.text).not.toContain('managedFields');
    expect(d.text).not.toContain('resourceVersion');
    expect(d.text).not.toContain('observedGeneration');
  });

  test('an object that does not exist yet differs from its desired state', () => {
    const predicted = fixtureObject('diff-deployment-predicted.yaml');

    const d = diffObjects('Deployment/team-a/web', undefined, predicted);

    expect(d.changed).toBe(true);
    expect(d.text).toMatch(/^\+kind: Deployment$/m);
  });
});
