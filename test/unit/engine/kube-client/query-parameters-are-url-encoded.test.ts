import { KubeClient } from '../../../../shared/engine/kube-client.js';
import {
  generateCertificate,
  json,
  startFakeApiServer,
  type Certificate,
  type FakeApiServer,
} from '../fake-api-server.js';

describe('KubeClient query parameters', () => {
  let certificate: Certificate;
  let server: FakeApiServer;
  let client: KubeClient;
  beforeAll(() => (certificate = generateCertificate()));
  afterEach(async () => {
    client.close();
    await server.close();
  });

  test('query values with spaces, commas, parentheses, = and & arrive intact and undefined ones are left out', async () => {
    server = await startFakeApiServer(certificate, [json(200, { kind: 'PodList', items: [] })]);
    client = new KubeClient(server.connection);
    const query = {
      labelSelector: 'app in (web,api),tier!=db',
      fieldSelector: 'metadata.name=a&b=c',
      continue: 'eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ==/+',
      note: 'two words',
      dryRun: undefined,
    };

    await client.request({ method: 'GET', path: '/api/v1/namespaces/team-a/pods', query });

    const { url } = server.requests[0]!;
    expect(url.pathname).toBe('/api/v1/namespaces/team-a/pods');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      labelSelector: 'app in (web,api),tier!=db',
      fieldSelector: 'metadata.name=a&b=c',
      continue: 'eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ==/+',
      note: 'two words',
    });
    expect(url.search).not.toMatch(/[ &]b=c/);
  });
});
