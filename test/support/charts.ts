// The test bed's OCI registry and chart repository, and pushing charts to them with the real helm.
// A bed started before these components existed gets its own for the test file (stopped by close).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChartRepo } from '../testbed/components/chart-repo.js';
import { ociRegistryCredentials, startOciRegistry } from '../testbed/components/oci-registry.js';
import { stopProcess, type ManagedProcess } from '../testbed/supervisor.js';
import { execFileAsync, testbed } from './testbed.js';

export { ociRegistryCredentials };

export interface ChartServers {
  /** `127.0.0.1:<port>` of the OCI registry. */
  ociHost: string;
  /** The chart repository's base URL, and the directory it serves. */
  chartsUrl: string;
  chartsDir: string;
  close(): Promise<void>;
}

export async function chartServers(): Promise<ChartServers> {
  const bed = testbed();
  const own: ManagedProcess[] = [];
  let dir: string | undefined;
  const scratch = () => (dir ??= mkdtempSync(join(tmpdir(), 'gitferry-chart-servers-')));
  let oci = bed.oci;
  if (!oci) {
    const started = await startOciRegistry(scratch(), scratch());
    own.push(started.process);
    oci = started;
  }
  let charts = bed.charts;
  if (!charts) {
    const started = await startChartRepo(scratch(), scratch());
    own.push(started.process);
    charts = started;
  }
  return {
    ociHost: oci.host,
    chartsUrl: charts.url,
    chartsDir: charts.dir,
    close: async () => {
      await Promise.all(own.map((p) => stopProcess(p)));
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `helm package`s a chart directory at a version into dir; returns the archive's path. */
export async function packageChart(chartDir: string, version: string, dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const { stdout } = await execFileAsync(testbed().bin.helm, [
    'package',
    chartDir,
    '--version',
    version,
    '-d',
    dir,
  ]);
  return stdout.trim().replace(/^.*saved it to: /s, '');
}

/** Pushes a chart archive to `oci://<host>/<path>` with the real `helm push`. */
export async function helmPush(archive: string, host: string, path: string): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'gitferry-helm-push-'));
  try {
    await execFileAsync(
      testbed().bin.helm,
      [
        'push',
        archive,
        `oci://${host}/${path}`,
        '--plain-http',
        `--username=${ociRegistryCredentials.username}`,
        `--password=${ociRegistryCredentials.password}`,
      ],
      { env: { PATH: process.env.PATH, HOME: home } },
    );
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** Writes the chart repository index for a directory of archives (`helm repo index`). */
export async function indexCharts(dir: string): Promise<void> {
  await execFileAsync(testbed().bin.helm, ['repo', 'index', dir]);
}
