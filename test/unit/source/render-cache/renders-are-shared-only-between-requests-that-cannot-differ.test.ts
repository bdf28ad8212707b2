import type { GitCheckoutCache } from '../../../../shared/source/git.js';
import type { GitCredentials } from '../../../../shared/source/git-http.js';
import type { RenderContext } from '../../../../shared/source/render-context.js';
import { SourceRenderer, type RenderRequest } from '../../../../shared/source/render.js';
import type { AppSource, RenderResult } from '../../../../shared/source/types.js';
import { configMap, tempTree, type TempTree } from '../temp-tree.js';

const sha = 'a'.repeat(40);
const repoURL = 'https://git.example.com/org/apps.git';
/** The repository's host resolves to a public address without DNS. */
const guard = { lookup: async () => [{ address: '93.184.216.34', family: 4 }] };

/**
 * A renderer over one local tree (no git server): directory sources render for real; Helm and
 * Kustomize sources go through a stand-in that reads what the real ones read (the app name,
 * namespace and cluster version for Helm; nothing of the request for Kustomize) and echoes it.
 */
function rendererOver(tree: TempTree): { renderer: SourceRenderer; runs: () => number } {
  const checkouts = {
    withCheckout: <T>(_url: string, _sha: string, fn: (dir: string) => Promise<T>) => fn(tree.root),
    stats: () => ({ requests: 0, fetches: 0 }),
  } as unknown as GitCheckoutCache;
  const renderer = new SourceRenderer(checkouts, {
    workRoot: tree.at('../work'),
    tools: { helm: '/nonexistent/helm', kustomize: '/nonexistent/kustomize' },
    guard,
  });
  type RenderGitSource = (s: AppSource, dir: string, ctx: RenderContext) => Promise<RenderResult>;
  const seam = renderer as unknown as { renderGitSource: RenderGitSource };
  const real = seam.renderGitSource.bind(renderer);
  seam.renderGitSource = async (s: AppSource, dir: string, ctx: RenderContext): Promise<RenderResult> => {
    if (!s.helm && !s.kustomize) return real(s, dir, ctx);
    const seen = s.helm
      ? { release: s.helm.releaseName || ctx.appName, namespace: ctx.namespace, kube: ctx.kubeVersion }
      : {};
    return {
      objects: [
        {
          object: {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'echo' },
            data: { seen: JSON.stringify(seen), options: JSON.stringify(s.helm ?? s.kustomize) },
          },
        },
      ],
      sourceType: s.helm ? 'Helm' : 'Kustomize',
      warnings: [],
    };
  };
  return { renderer, runs: () => renderer.stats().renders.renders };
}

function request(over: Partial<RenderRequest> & { source?: Partial<AppSource> } = {}): RenderRequest {
  const { source, ...rest } = over;
  return {
    appName: 'web',
    namespace: 'team-a',
    sources: [{ repoURL, path: 'apps/web', targetRevision: 'main', ...source }],
    revisions: [sha],
    kubeVersion: 'v1.36.3',
    apiVersions: ['v1', 'apps/v1'],
    ...rest,
  };
}

describe('the render cache shares a render only between requests whose renders cannot differ', () => {
  let tree: TempTree;
  beforeEach(() => {
    tree = tempTree().file('apps/web/cm.yaml', configMap('web')).file('apps/api/cm.yaml', configMap('api'));
  });
  afterEach(() => tree.remove());

  test('directory apps on one path and commit share one render, whatever their names, namespaces and clusters', async () => {
    const { renderer, runs } = rendererOver(tree);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        renderer.render(
          request({ appName: `web-${i}`, namespace: `ns-${i}`, kubeVersion: `v1.${30 + (i % 3)}.0` }),
        ),
      ),
    );
    expect(runs()).toBe(1);
    expect(results.every((r) => r.objects[0]!.object.metadata.name === 'web')).toBe(true);
    // Another path, or another commit, is another render.
    await renderer.render(request({ source: { path: 'apps/api' } }));
    await renderer.render(request({ revisions: ['b'.repeat(40)] }));
    expect(runs()).toBe(3);
  });

  test('each caller gets its own copy: a change to one app’s objects never reaches another’s', async () => {
    const { renderer } = rendererOver(tree);
    const first = await renderer.render(request({ appName: 'one' }));
    first.objects[0]!.object.metadata.name = 'tampered';
    (first.objects[0]!.object as { data?: Record<string, string> }).data = { injected: 'yes' };
    const second = await renderer.render(request({ appName: 'two' }));
    expect(second.objects[0]!.object.metadata.name).toBe('web');
    expect(JSON.stringify(second)).not.toContain('injected');
  });

  test('two Helm apps differing only in one value, one parameter or their namespace never share a render', async () => {
    const { renderer, runs } = rendererOver(tree);
    const helm = (h: Partial<NonNullable<AppSource['helm']>>, over: Partial<RenderRequest> = {}) =>
      renderer.render(request({ ...over, source: { helm: { values: 'replicas: 1\n', ...h } } }));
    const base = await helm({});
    const value = await helm({ values: 'replicas: 2\n' });
    const parameter = await helm({ parameters: [{ name: 'image.tag', value: 'v2' }] });
    const namespace = await helm({}, { namespace: 'team-b' });
    const release = await helm({}, { appName: 'other' });
    const kube = await helm({}, { kubeVersion: 'v1.30.0' });
    expect(runs()).toBe(6);
    const outputs = [base, value, parameter, namespace, release, kube].map((r) => JSON.stringify(r.objects));
    expect(new Set(outputs).size).toBe(6);
    expect(namespace.objects[0]!.object.data).toMatchObject({ seen: expect.stringContaining('team-b') });
    // The same Helm app again is the same render.
    await helm({});
    expect(runs()).toBe(6);
  });

  test('values crafted to collide in a naive key (separators, reordered JSON, escapes) still render apart', async () => {
    const { renderer, runs } = rendererOver(tree);
    const pairs: [Partial<RenderRequest>, Partial<RenderRequest>][] = [
      [
        { appName: 'a|b', namespace: 'c' },
        { appName: 'a', namespace: 'b|c' },
      ],
      [
        { appName: 'a","namespace":"x', namespace: 'y' },
        { appName: 'a', namespace: 'x","namespace":"y' },
      ],
    ];
    for (const [a, b] of pairs) {
      const ra = await renderer.render(request({ ...a, source: { helm: {} } }));
      const rb = await renderer.render(request({ ...b, source: { helm: {} } }));
      expect(JSON.stringify(ra.objects)).not.toBe(JSON.stringify(rb.objects));
    }
    expect(runs()).toBe(4);
    // Key order inside an option object is not normalised away into a false hit either way:
    // equal content in another order may render again, never the other way round.
    const x = await renderer.render(request({ source: { helm: { valuesObject: { a: 1, b: 2 } } } }));
    const y = await renderer.render(request({ source: { helm: { valuesObject: { a: 1, b: 3 } } } }));
    expect(JSON.stringify(x.objects)).not.toBe(JSON.stringify(y.objects));
  });

  test('two Kustomize apps differing only in one option never share a render; equal ones do', async () => {
    const { renderer, runs } = rendererOver(tree);
    const kustomize = (k: NonNullable<AppSource['kustomize']>, appName = 'web') =>
      renderer.render(request({ appName, source: { kustomize: k } }));
    await kustomize({ namePrefix: 'a-' });
    await kustomize({ namePrefix: 'b-' });
    await kustomize({ namePrefix: 'a-', images: ['app=registry.example.com/app:v2'] });
    await kustomize({ namePrefix: 'a-', commonLabels: { team: 'x' } });
    expect(runs()).toBe(4);
    // Kustomize reads nothing of the request: another app with the same options shares it.
    await kustomize({ namePrefix: 'a-' }, 'another-app');
    expect(runs()).toBe(4);
  });

  test('apps reading one repository with different credentials (or none) never share a render', async () => {
    const { renderer, runs } = rendererOver(tree);
    const withToken = (password?: string) => async (): Promise<GitCredentials | undefined> =>
      password === undefined ? undefined : { password };
    await renderer.render(request({ credentials: withToken('team-a-token') }));
    await renderer.render(request({ credentials: withToken('team-b-token') }));
    await renderer.render(request({ credentials: withToken() }));
    expect(runs()).toBe(3);
    await renderer.render(request({ appName: 'again', credentials: withToken('team-a-token') }));
    expect(runs()).toBe(3);
  });

  test('a failed render is not kept: the next request renders again', async () => {
    const { renderer, runs } = rendererOver(tree);
    await expect(renderer.render(request({ source: { path: 'apps/missing' } }))).rejects.toThrow(
      /does not exist/,
    );
    tree.file('apps/missing/cm.yaml', configMap('late'));
    const result = await renderer.render(request({ source: { path: 'apps/missing' } }));
    expect(result.objects[0]!.object.metadata.name).toBe('late');
    expect(runs()).toBe(2);
  });

  test('the cache holds to its byte budget', async () => {
    const checkouts = {
      withCheckout: <T>(_u: string, _s: string, fn: (dir: string) => Promise<T>) => fn(tree.root),
      stats: () => ({ requests: 0, fetches: 0 }),
    } as unknown as GitCheckoutCache;
    const renderer = new SourceRenderer(checkouts, {
      workRoot: tree.at('../work'),
      tools: { helm: '/nonexistent/helm', kustomize: '/nonexistent/kustomize' },
      guard,
      renderCacheBytes: 2_000,
    });
    for (let i = 0; i < 20; i++) await renderer.render(request({ revisions: [String(i).padStart(40, '0')] }));
    const { cachedBytes, cached } = renderer.stats().renders;
    expect(cachedBytes).toBeLessThanOrEqual(2_000);
    expect(cached).toBeGreaterThan(0);
    expect(cached).toBeLessThan(20);
  });
});
