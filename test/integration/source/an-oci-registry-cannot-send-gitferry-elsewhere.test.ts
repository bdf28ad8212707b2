import { createServer, type Server } from 'node:http';
import { stringify } from 'yaml';
import { TestRepo } from '../../support/git.js';
import {
  nonLoopbackAddress,
  startRequestCounter,
  type RequestCounter,
} from '../../support/request-counter.js';
import { sourceKit, type SourceKit } from '../../support/source.js';

// OCI references are tenant-written: the registry, its port, its token service and every redirect
// go through the URL guard before a connection is made, and credentials go nowhere else.
describe('an OCI registry chosen by a tenant', () => {
  let kit: SourceKit;
  let repo: TestRepo;
  let reserved: RequestCounter;
  let registry: Server;
  let registryHost: string;
  const seen: { url: string; authorization?: string }[] = [];
  beforeAll(async () => {
    reserved = await startRequestCounter((await nonLoopbackAddress()) ?? '127.0.0.1');
    // A registry that sends clients to the metadata service for a token, with the user's password.
    registry = createServer((req, res) => {
      seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
      res.writeHead(401, {
        'www-authenticate': 'Bearer realm="http://169.254.169.254/latest/meta-data/iam",service="x"',
      });
      res.end();
    });
    await new Promise<void>((r) => registry.listen(0, '127.0.0.1', r));
    registryHost = `127.0.0.1:${(registry.address() as { port: number }).port}`;
    kit = sourceKit({ ociPlainHttpHosts: [registryHost] });
    repo = await TestRepo.create('oci-hostile');
  });
  afterAll(async () => {
    kit.dispose();
    repo.dispose();
    await reserved.close();
    await new Promise((r) => registry.close(r));
  });

  const render = async (repository: string, credentials?: { password: string }) => {
    const sha = await repo.commit({
      'shop/Chart.yaml': stringify({
        apiVersion: 'v2',
        name: 'shop',
        version: '0.1.0',
        dependencies: [{ name: 'db', version: '1.0.0', repository }],
      }),
      'shop/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shop\n',
    });
    return kit.renderer.render({
      appName: 'shop',
      namespace: 'shop',
      sources: [{ repoURL: repo.url, path: 'shop' }],
      revisions: [sha],
      credentials: async () => credentials,
    });
  };

  test.each([
    [
      'the metadata service',
      'oci://169.254.169.254/charts',
      /refused: its host is 169\.254\.169\.254, a link-local/,
    ],
    [
      'a private address',
      'oci://10.0.0.1:5000/charts',
      /refused: its host is 10\.0\.0\.1, a private address/,
    ],
    [
      'an IPv6-mapped private address',
      'oci://[::ffff:10.0.0.1]:5000/charts',
      /refused: its host is .*10\.0\.0\.1/,
    ],
  ])('%s is refused before any connection', async (_what, repository, why) => {
    await expect(render(repository)).rejects.toThrow(why);
  });

  test('a reserved address of this machine is refused and never contacted', async () => {
    const host = new URL(reserved.url).host;
    await expect(render(`oci://${host}/charts`)).rejects.toThrow(/refused: its host is/);
    expect(reserved.requests).toEqual([]);
  });

  test("a token service on the metadata address is refused, and the registry's password goes nowhere else", async () => {
    const err = (await render(`oci://${registryHost}/charts`, { password: 'registry-pass-9d1' }).catch(
      (e: Error) => e,
    )) as Error;
    expect(err.message).toMatch(
      /shop: dependency db: .*169\.254\.169\.254.* refused: its host is 169\.254\.169\.254/,
    );
    expect(err.message).not.toContain('registry-pass-9d1');
    // The registry itself was asked once, without credentials (none were challenged for yet).
    expect(seen).toEqual([{ url: '/v2/charts/db/manifests/1.0.0', authorization: undefined }]);
  });
});
