import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { buildProgram } from '../../../cli/program.js';
import { captureOutput } from '../../support/capture-output.js';
import { startApiBed, type ApiBed } from '../api/api-bed.js';

// `gitferry proj windows …` against the real API on a local port: each verb reads the project,
// changes its windows and saves the AppProject back; roles and other fields survive; a bad window
// is refused by the server naming it; IDs are indexes as in `argocd proj windows`.
let bed: ApiBed;
let server: ServerType;
let url: string;

beforeEach(async () => {
  bed = startApiBed();
  server = serve({ fetch: bed.app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const created = await bed.call('POST', '/api/v1/projects', {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: { name: 'shop' },
    spec: {
      sourceRepos: ['https://github.com/acme/*'],
      destinations: [{ name: 'prod', namespace: 'shop' }],
      roles: [
        { name: 'ci', policies: ['p, proj:shop:ci, applications, sync, shop/*, allow'], groups: ['ci'] },
      ],
    },
  });
  expect(created.status).toBe(201);
});
afterEach(async () => {
  await new Promise((r) => server.close(r));
  bed.close();
});

async function gitferry(...args: string[]): Promise<string> {
  const out = captureOutput({ echo: false });
  try {
    await buildProgram()
      .exitOverride()
      .parseAsync(['node', 'gitferry', ...args, '--server', url, '--token', 'api-token']);
  } finally {
    out.restore();
  }
  return out.text();
}

test('add, list, update, toggle manual sync and delete windows; the rest of the project is kept', async () => {
  await gitferry(
    'proj',
    'windows',
    'add',
    'shop',
    '--kind',
    'deny',
    '--schedule',
    '0 22 * * *',
    '--duration',
    '1h',
    '--applications',
    'web-*,api',
  );
  await gitferry(
    'proj',
    'windows',
    'add',
    'shop',
    '-k',
    'allow',
    '--schedule',
    '0 6 * * 1-5',
    '--duration',
    '10h',
    '--time-zone',
    'Europe/Paris',
    '--manual-sync',
  );
  const listed = await gitferry('proj', 'windows', 'list', 'shop');
  console.log(listed);
  expect(listed.split('\n')[0]).toMatch(
    /^ID\s+KIND\s+SCHEDULE\s+DURATION\s+TIMEZONE\s+APPLICATIONS\s+NAMESPACES\s+CLUSTERS\s+MANUALSYNC$/,
  );
  expect(listed).toMatch(/^0\s+deny\s+0 22 \* \* \*\s+1h\s+UTC\s+web-\*,api\s+Disabled$/m);
  expect(listed).toMatch(/^1\s+allow\s+0 6 \* \* 1-5\s+10h\s+Europe\/Paris\s+Enabled$/m);

  await gitferry('proj', 'windows', 'enable-manual-sync', 'shop', '0');
  await gitferry('proj', 'windows', 'disable-manual-sync', 'shop', '1');
  await gitferry('proj', 'windows', 'update', 'shop', '0', '--duration', '2h');
  let project = await bed.store.getProject('shop');
  expect(project?.syncWindows?.map((w) => [w.kind, w.duration, w.manualSync])).toEqual([
    ['deny', '2h', true],
    ['allow', '10h', false],
  ]);
  await gitferry('proj', 'windows', 'delete', 'shop', '0');
  project = await bed.store.getProject('shop');
  expect(project?.syncWindows?.map((w) => w.kind)).toEqual(['allow']);
  expect(project?.roles?.[0]?.name).toBe('ci');
  expect(project?.sourceRepos).toEqual(['https://github.com/acme/*']);
});

test('a bad window is refused by the server naming it, an unknown ID naming the range; nothing changes', async () => {
  await expect(
    gitferry('proj', 'windows', 'add', 'shop', '--kind', 'deny', '--schedule', '$(id)', '--duration', '1h'),
  ).rejects.toThrow(/spec\.syncWindows\[0\]\.schedule/);
  await expect(gitferry('proj', 'windows', 'delete', 'shop', '3')).rejects.toThrow(
    'AppProject/shop: no sync window with ID 3',
  );
  expect((await bed.store.getProject('shop'))?.syncWindows ?? []).toEqual([]);
});
