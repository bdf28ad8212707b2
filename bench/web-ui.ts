// The web UI's first load and its apps list with 1,000 apps, measured for real: the build's
// gzip size (index.html + script + stylesheet, target under 150 KB), then `gitferry serve` with
// 1,000 apps created through its API (no cluster: they are listed, never synced) and Debian's
// Chromium timing navigation → the list's rows on screen, against a baseline of the same page
// with one app. Run: node --import tsx bench/web-ui.ts
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { freePort } from '../test/testbed/free-port.js';

const root = new URL('..', import.meta.url).pathname;
spawnSync(process.execPath, [join(root, 'scripts/build-ui.mjs'), '--quiet'], { stdio: 'inherit' });
const html = readFileSync(join(root, 'dist/ui/index.html'), 'utf8');
const assets = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1]!);
let gz = gzipSync(html).length;
for (const a of assets) gz += gzipSync(readFileSync(join(root, 'dist/ui', a))).length;
console.log(
  `web UI first load: ${(gz / 1024).toFixed(1)} KB gzip (index.html + ${assets.join(' + ')}); target < 150 KB`,
);

async function listRenderMs(apps: number): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gitferry-ui-bench-'));
  const port = await freePort();
  const child = spawn(
    join(root, 'bin/gitferry'),
    ['serve', '--port', String(port), '--data-dir', dataDir, '--workers', '1'],
    {
      stdio: 'ignore',
    },
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; i < 600; i++) {
      if ((await fetch(`${url}/healthz`).catch(() => undefined))?.ok) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const token = readFileSync(join(dataDir, 'api-token'), 'utf8').trim();
    for (let i = 0; i < apps; i++) {
      const res = await fetch(`${url}/api/v1/apps`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Application',
          metadata: { name: `bench-${String(i).padStart(4, '0')}`, labels: { team: `t${i % 7}` } },
          spec: {
            project: 'default',
            source: { repoURL: 'https://git.example/repo.git', targetRevision: 'main', path: `apps/${i}` },
            destination: { name: `cluster-${i % 5}`, namespace: `ns-${i % 20}` },
          },
        }),
      });
      if (res.status !== 201) throw new Error(`creating app ${i}: ${res.status} ${await res.text()}`);
    }
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    try {
      const runs: number[] = [];
      for (let run = 0; run < 3; run++) {
        const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
        await page.addInitScript(`sessionStorage.setItem('gitferry.token', ${JSON.stringify(token)})`);
        const started = Date.now();
        await page.goto(`${url}/applications`);
        await page
          .getByTestId('apps-count')
          .filter({ hasText: `${apps} of ${apps} apps` })
          .waitFor({ timeout: 120_000 });
        await page.getByRole('link', { name: `bench-${'0'.repeat(4)}` }).waitFor();
        runs.push(Date.now() - started);
        await page.close();
      }
      return runs.sort((a, b) => a - b)[1]!;
    } finally {
      await browser.close();
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const one = await listRenderMs(1);
const thousand = await listRenderMs(1000);
console.log(
  `apps list first render (median of 3, navigation → rows on screen): 1 app ${one} ms, 1,000 apps ${thousand} ms (ratio ${(thousand / one).toFixed(2)})`,
);
