// The web UI in Debian's Chromium (playwright-core, no browser download) against `gitferry serve`
// on the test bed: list → app → sync, watched live from Progressing to Healthy; the diff of a
// kubectl-edited object; a rollback that pins; a readonly caller without a sync button whose forged
// request answers 403; axe-core on every page. Screenshots go to test-results/ui/ (git-ignored).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort } from '../testbed/free-port.js';
import { eventuallyWithServeLog, startServe, type ServeProcess } from '../support/serve.js';
import { TestRepo } from '../support/git.js';
import { kubectl, uniqueName } from '../support/testbed.js';

const chromiumPath = '/usr/bin/chromium';
const shots = fileURLToPath(new URL('../../test-results/ui/', import.meta.url));
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const appYaml = `apiVersion: apps/v1
kind: Deployment
metadata: { name: backend }
spec:
  replicas: 1
  minReadySeconds: 6
  selector: { matchLabels: { app: backend } }
  template:
    metadata: { labels: { app: backend } }
    spec: { containers: [{ name: backend, image: registry.invalid/backend:1 }] }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: frontend-config }
data: { backend: backend:8080 }
`;

describe('the web UI in a real browser', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gitferry-ui-'));
  const ns = uniqueName('e2e-ui');
  const name = uniqueName('ui');
  let server: ServeProcess;
  let repo: TestRepo;
  let browser: Browser;
  let adminToken: string;
  let viewerToken: string;
  let first: string;
  const eventually = eventuallyWithServeLog(() => server);

  const api = async (token: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  /** A fresh tab signed in with `token`, CSP violations and page errors collected. */
  const signedInPage = async (token: string) => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content.Security.Policy|Refused to/i.test(m.text()))
        problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${server.url}/`);
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Applications' }).waitFor({ timeout: 60_000 });
    return { page, problems };
  };

  const shoot = (page: Page, file: string) => page.screenshot({ path: join(shots, file), fullPage: false });

  const axe = async (page: Page, what: string) => {
    await page.evaluate(axeSource);
    const result = (await page.evaluate(
      `axe.run(document, { resultTypes: ['violations'] }).then(r => r.violations.map(v => ({ id: v.id, impact: v.impact, nodes: v.nodes.length })))`,
    )) as { id: string; impact: string; nodes: number }[];
    axeResults[what] = result;
    return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  };
  const axeResults: Record<string, unknown> = {};

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    repo = await TestRepo.create('ui-app');
    // One wave: the sync finishes once applied, with the Deployment still rolling out (Progressing
    // for minReadySeconds after its pod is ready); the health rechecks then find it Healthy.
    first = await repo.commit({ 'app/app.yaml': appYaml }, 'first');
    server = await startServe({ port: await freePort(), dataDir, cluster: true });
    adminToken = readFileSync(join(dataDir, 'api-token'), 'utf8').trim();
    const project = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: { name: 'team-ui' },
      spec: {
        sourceRepos: ['*'],
        destinations: [{ name: '*', namespace: '*' }],
        roles: [
          { name: 'viewer', policies: ['p, proj:team-ui:viewer, applications, get, team-ui/*, allow'] },
        ],
      },
    };
    expect((await api(adminToken, 'POST', '/projects', project)).status).toBe(201);
    const issued = await api(adminToken, 'POST', '/projects/team-ui/roles/viewer/tokens', {});
    expect(issued.status).toBe(201);
    viewerToken = issued.body.token as string;
    const app = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name, labels: { team: 'ui', tier: 'backend' } },
      spec: {
        project: 'team-ui',
        source: { repoURL: repo.url, targetRevision: 'main', path: 'app' },
        destination: { name: 'testbed', namespace: ns },
      },
    };
    // The project allows no cluster-scoped kinds: the namespace is made here, not by the sync.
    await kubectl(['create', 'namespace', ns]);
    expect((await api(adminToken, 'POST', '/apps', app)).status).toBe(201);
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    server?.child.kill('SIGTERM');
    repo?.dispose();
    await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']).catch(() => undefined);
    writeFileSync(join(shots, 'axe-results.json'), JSON.stringify(axeResults, null, 2));
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  test('list → app → sync: the health goes Progressing → Healthy on screen without a reload', async () => {
    const { page, problems } = await signedInPage(adminToken);
    const row = page.getByRole('link', { name, exact: true });
    await row.waitFor({ timeout: 60_000 });
    await shoot(page, '01-apps-list.png');
    await row.click();
    await page.getByTestId('sync-button').waitFor({ timeout: 60_000 });
    // A marker a reload would wipe: live updates must arrive in this same document.
    await page.evaluate('window.__sameDocument = true');
    await page.getByTestId('sync-button').click();
    await shoot(page, '02-sync-dialog.png');
    await page.getByTestId('sync-submit').click();

    const seen: string[] = [];
    await eventually(
      'the app health shown as Healthy after Progressing',
      async () => {
        // The badge's words only (its icon is decoration).
        const health = ((await page.getByTestId('app-health').textContent()) ?? '').replace(/[^A-Za-z]/g, '');
        if (seen.at(-1) !== health) seen.push(health);
        if (health === 'Progressing' && !seen.includes('shot')) {
          seen.push('shot');
          await shoot(page, '03-app-progressing.png');
        }
        return health === 'Healthy' && seen.includes('Progressing') ? true : undefined;
      },
      120_000,
      100,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\nhealth shown, in order: ${seen.join(' → ')}`);
    });
    expect(await page.evaluate('window.__sameDocument === true')).toBe(true);
    await page.getByTestId('resource').first().waitFor();
    await shoot(page, '04-app-healthy.png');
    expect(problems).toEqual([]);
    await page.close();
  }, 240_000);

  test('an object edited with kubectl shows its diff', async () => {
    await eventually('the first sync done', async () => {
      const v = await api(adminToken, 'GET', `/apps/${name}`);
      const status = v.body.status as { operation?: { phase: string } } | undefined;
      return status?.operation?.phase === 'Succeeded' ? true : undefined;
    });
    await kubectl([
      'patch',
      'configmap',
      '-n',
      ns,
      'frontend-config',
      '--type=merge',
      '-p',
      '{"data":{"backend":"drifted:1"}}',
    ]);
    const { page } = await signedInPage(adminToken);
    await page.goto(`${server.url}/applications/${name}`);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByRole('tab', { name: /Diff/ }).click();
    const card = page.getByTestId('diff-card').filter({ hasText: 'drifted:1' });
    await card.waitFor({ timeout: 90_000 });
    expect(await card.textContent()).toContain('-  backend: drifted:1');
    expect(await card.textContent()).toContain('+  backend: backend:8080');
    await shoot(page, '05-app-diff.png');
    await page.close();
  }, 180_000);

  test('a rollback from the history pins the app', async () => {
    await repo.commit(
      { 'app/extra.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: extra }\n' },
      'extra',
    );
    expect((await api(adminToken, 'POST', `/apps/${name}/sync`, {})).status).toBe(202);
    await eventually(
      'the second revision synced',
      async () => {
        const h = await api(adminToken, 'GET', `/apps/${name}/history`);
        const items = h.body.items as { phase: string; revision: string }[];
        return items.length >= 2 && items[0]!.phase === 'Succeeded' && items[0]!.revision !== first
          ? true
          : undefined;
      },
      120_000,
    );
    const { page } = await signedInPage(adminToken);
    await page.goto(`${server.url}/applications/${name}`);
    await page.getByRole('tab', { name: 'History' }).click();
    // The deployed run is marked, not offered as a rollback target; each run names who started it.
    const newest = page.getByTestId('history-row').first();
    await newest.getByText('Deployed').waitFor();
    expect(await newest.getByRole('button', { name: /Rollback/ }).count()).toBe(0);
    expect(await newest.textContent()).toContain('admin');
    await page
      .getByRole('button', { name: new RegExp(`Rollback to run \\d+ \\(${first.slice(0, 7)}\\)`) })
      .click();
    await page.getByTestId('pinned').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('pinned').textContent()).toContain(first.slice(0, 7));
    expect(
      ((await api(adminToken, 'GET', `/apps/${name}`)).body.app as { pinnedRevision?: string })
        .pinnedRevision,
    ).toBe(first);
    await page.getByRole('tab', { name: 'Last sync' }).click();
    await page.getByTestId('last-sync').waitFor();
    await shoot(page, '06-app-history-pinned.png');
    await page.getByRole('tab', { name: 'History' }).click();
    await shoot(page, '07-app-history.png');
    await page.close();
  }, 240_000);

  test('a readonly caller sees no sync button, and a forged sync request answers 403', async () => {
    const { page } = await signedInPage(viewerToken);
    await page.getByRole('link', { name, exact: true }).click();
    await page.getByTestId('app-health').waitFor({ timeout: 60_000 });
    // The permission answer has arrived once the page asked can-i; wait for that request to settle.
    await eventually('the can-i answer', async () =>
      (await page.evaluate(() =>
        performance.getEntriesByType('resource').some((e) => e.name.includes('/account/can-i/')),
      ))
        ? true
        : undefined,
    );
    expect(await page.getByTestId('sync-button').count()).toBe(0);
    expect(await page.getByRole('button', { name: /Rollback/ }).count()).toBe(0);
    const forged = await page.evaluate(
      async ([app, token]) =>
        (
          await fetch(`/api/v1/apps/${app}/sync`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: '{}',
          })
        ).status,
      [name, viewerToken] as const,
    );
    expect(forged).toBe(403);
    await shoot(page, '08-app-readonly.png');
    await page.close();
  }, 120_000);

  test('the clusters page shows a cluster the workers cannot reach as Failed, without a reload', async () => {
    const { page, problems } = await signedInPage(adminToken);
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Clusters' }).click();
    await page.getByRole('heading', { name: 'Clusters', level: 1 }).waitFor();
    await page.locator('main table').waitFor({ timeout: 30_000 });
    // A cluster nothing listens at, with an app on it whose sync is asked for.
    const gone = uniqueName('gone');
    const registered = await api(adminToken, 'POST', '/clusters', {
      name: gone,
      server: `https://127.0.0.1:${await freePort()}`,
      token: 'unused',
    });
    expect(registered.status).toBe(201);
    const onGone = uniqueName('on-gone');
    const app = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: onGone },
      spec: {
        project: 'team-ui',
        source: { repoURL: repo.url, targetRevision: 'main', path: 'app' },
        destination: { name: gone, namespace: ns },
      },
    };
    expect((await api(adminToken, 'POST', '/apps', app)).status).toBe(201);
    expect((await api(adminToken, 'POST', `/apps/${onGone}/sync`, {})).status).toBeLessThan(300);

    const row = page.getByRole('row').filter({ hasText: gone });
    await row.getByText('Failed').waitFor({ timeout: 30_000 });
    await expect(row.textContent()).resolves.toMatch(/its API server has not answered 3 requests in a row/);
    await shoot(page, '12-cluster-failed.png');
    expect(problems).toEqual([]);
    expect((await api(adminToken, 'DELETE', `/apps/${onGone}?cascade=false`)).status).toBe(200);
    await page.close();
  }, 120_000);

  test('axe-core finds no serious or critical violation on any page, and the CSP holds', async () => {
    const signInPage = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await signInPage.goto(`${server.url}/`);
    await signInPage.getByLabel('API token').waitFor();
    await shoot(signInPage, '00-sign-in.png');
    expect(await axe(signInPage, 'sign-in')).toEqual([]);
    await signInPage.close();

    const { page, problems } = await signedInPage(adminToken);
    await page.getByRole('link', { name, exact: true }).waitFor({ timeout: 60_000 });
    expect(await axe(page, 'applications')).toEqual([]);
    await page.getByRole('link', { name, exact: true }).click();
    await page.getByTestId('resource').first().waitFor({ timeout: 60_000 });
    for (const tab of ['Resources', 'Diff', 'Last sync', 'History']) {
      await page.getByRole('tab', { name: new RegExp(`^${tab}`) }).click();
      expect(await axe(page, `app ${tab}`)).toEqual([]);
    }
    for (const [link, file] of [
      ['Clusters', '09-clusters.png'],
      ['Projects', '10-projects.png'],
      ['About', '11-about.png'],
    ] as const) {
      await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: link }).click();
      await page.getByRole('heading', { name: link, level: 1 }).waitFor();
      await page.locator('main table, main dl').first().waitFor({ timeout: 30_000 });
      // The test bed's cluster synced this test's app: the workers reached it.
      if (link === 'Clusters')
        await page
          .getByRole('cell', { name: /^Successful/ })
          .first()
          .waitFor({ timeout: 30_000 });
      await shoot(page, file);
      expect(await axe(page, link.toLowerCase())).toEqual([]);
    }
    expect(problems).toEqual([]);
    const res = await fetch(`${server.url}/applications/${name}`);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('content-security-policy')).not.toMatch(/unsafe-inline|unsafe-eval/);
    await page.close();
  }, 180_000);
});
