import { renderDirectory } from '../../../../shared/source/directory.js';
import { tempTree, type TempTree } from '../temp-tree.js';

/** `Kind/name @ source` for each object, in order. */
const listed = (objects: { object: { kind: string; metadata: { name: string } }; source?: string }[]) =>
  objects.map((d) => `${d.object.kind}/${d.object.metadata.name} @ ${d.source}`);

describe('renderDirectory', () => {
  let tree: TempTree;
  beforeEach(() => {
    tree = tempTree('directory-app');
  });
  afterEach(() => tree.remove());

  test('reads .yaml, .yml and .json files of the app path in sorted order, each object sourced file:line', async () => {
    const result = await renderDirectory(tree.root);

    expect(result.sourceType).toBe('Directory');
    expect(result.warnings).toEqual([]);
    expect(listed(result.objects)).toEqual([
      'Deployment/web @ a-deployment.yaml:2',
      'Service/web @ a-deployment.yaml:24',
      'ConfigMap/web @ b-config.yml:2',
      'ServiceAccount/web @ c-list.json:1',
      'ServiceAccount/worker @ c-list.json:1',
      'ConfigMap/settings @ config.yaml:1',
    ]);
  });

  test('sources are relative to the display root (the checkout) when one is given', async () => {
    const result = await renderDirectory(tree.at('sub'), { recurse: true }, undefined, tree.root);

    expect(result.objects.map((d) => d.source)).toEqual(['sub/d-job.yaml:1', 'sub/deeper/e-secret.yaml:1']);
  });

  test('values come out as kubectl reads them: octal modes, quoted strings kept', async () => {
    const result = await renderDirectory(tree.root);
    const deployment = result.objects[0]!.object as unknown as {
      spec: { template: { spec: { volumes: { configMap: { defaultMode: number } }[] } } };
    };

    expect(deployment.spec.template.spec.volumes[0]!.configMap.defaultMode).toBe(0o444);
    expect(result.objects[2]!.object.data).toEqual({ enabled: 'yes', released: '2024-01-01' });
  });

  test('files marked +argocd:skip-file-rendering are left out, as Argo CD leaves them out', async () => {
    const result = await renderDirectory(tree.root);

    expect(result.objects.map((d) => d.object.metadata.name)).not.toContain('skipped');
  });

  test('the same tree renders to the same objects in the same order every time', async () => {
    const first = await renderDirectory(tree.root, { recurse: true });
    const second = await renderDirectory(tree.root, { recurse: true });

    expect(second).toEqual(first);
  });

  test('an app path that does not exist is a read error naming it', async () => {
    await expect(renderDirectory(tree.at('nope'), {}, undefined, tree.root)).rejects.toMatchObject({
      code: 'source:read-failed',
      message: 'app path "nope" cannot be read (ENOENT)',
    });
  });

  test('an app path outside the display root is refused', async () => {
    await expect(renderDirectory(tree.outside, {}, undefined, tree.root)).rejects.toMatchObject({
      code: 'source:path-escape',
    });
  });
});
