#!/usr/bin/env node
// The gitferry command: `serve` runs the local process; everything else talks to the HTTP API.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { dump } from 'js-yaml';
import { ApiClient, ApiError } from './api-client.js';

const program = new Command('gitferry')
  .description('GitOps deployer: keeps Kubernetes clusters equal to what Git says')
  .option('--server <url>', 'Gitferry API URL', process.env.GITFERRY_SERVER ?? 'http://127.0.0.1:8080')
  .option('--token <token>', 'API bearer token (default: $GITFERRY_TOKEN or the one `gitferry serve` wrote)')
  .showHelpAfterError();

function client(): ApiClient {
  const opts = program.opts<{ server: string; token?: string }>();
  const tokenFile = join(process.env.GITFERRY_DATA_DIR ?? join(homedir(), '.gitferry'), 'api-token');
  const token =
    opts.token ??
    process.env.GITFERRY_TOKEN ??
    (existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : undefined);
  return new ApiClient(opts.server, token);
}

const output = new Option('-o, --output <format>', 'output format')
  .choices(['table', 'wide', 'json', 'yaml', 'name'])
  .default('table');

function print(data: unknown, format: string): void {
  if (format === 'json') console.log(JSON.stringify(data, null, 2));
  else if (format === 'yaml') process.stdout.write(dump(data, { noRefs: true, lineWidth: 120 }));
  else console.log(data);
}

function table(rows: Record<string, unknown>[], columns: string[]): void {
  const cells = [
    columns.map((c) => c.toUpperCase()),
    ...rows.map((r) => columns.map((c) => String(r[c] ?? ''))),
  ];
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  for (const row of cells)
    console.log(
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface AppView {
  app: { name: string };
  status?: {
    sync: { status: string; revision?: string; comparedAt?: string };
    health: { status: string; message?: string };
    operation?: { phase: string; message?: string; revision?: string; startedAt: string; runId?: number };
    drift?: { outOfSync: number; diff?: string; checkedAt: string };
    conditions?: { type: string; message: string }[];
  };
  operationInProgress?: unknown;
}

/** Polls an app until `done` says so; prints each new state on a line (a live view). */
async function waitFor(
  name: string,
  done: (v: AppView) => boolean,
  timeoutSeconds: number,
): Promise<AppView> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let last = '';
  for (;;) {
    const view = await client().request<AppView>('GET', `/api/v1/apps/${encodeURIComponent(name)}`);
    const s = view.status;
    const line = s
      ? `${s.operation?.phase ?? '-'}  sync=${s.sync.status}  health=${s.health.status}${s.operation?.message ? `  ${s.operation.message}` : ''}`
      : 'waiting for the first comparison';
    if (line !== last) {
      console.error(`${new Date().toISOString().slice(11, 19)}  ${name}  ${line}`);
      last = line;
    }
    if (done(view)) return view;
    if (Date.now() > deadline)
      throw new ApiError(0, `timed out after ${timeoutSeconds} s waiting for app ${name}`);
    await sleep(500);
  }
}

const app = program.command('app').description('manage apps (Argo CD Applications)');

app
  .command('create')
  .argument('[name]', 'app name (when not given in -f)')
  .option('-f, --file <file>', 'an Application manifest (YAML or JSON)')
  .option('--repo <url>')
  .option('--path <path>', 'path in the repo', '.')
  .option('--revision <rev>', 'targetRevision', 'HEAD')
  .option('--dest-name <cluster>')
  .option('--dest-namespace <ns>')
  .option('--project <name>', 'project', 'default')
  .option('--sync-policy <policy>', 'none or automated', 'none')
  .option('--auto-prune')
  .option('--self-heal')
  .option('--upsert', 'replace an existing app')
  .action(async (name: string | undefined, o) => {
    const manifest = o.file
      ? readFileSync(o.file, 'utf8')
      : dump({
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Application',
          metadata: { name },
          spec: {
            project: o.project,
            source: { repoURL: o.repo, path: o.path, targetRevision: o.revision },
            destination: { name: o.destName, namespace: o.destNamespace },
            syncPolicy:
              o.syncPolicy === 'automated'
                ? { automated: { prune: Boolean(o.autoPrune), selfHeal: Boolean(o.selfHeal) } }
                : {},
          },
        });
    const res = await client().request<{ app: { name: string }; warnings: string[] }>(
      'POST',
      `/api/v1/apps${o.upsert ? '?upsert=true' : ''}`,
      manifest,
      'application/yaml',
    );
    for (const w of res.warnings) console.error(`warning: ${w}`);
    console.log(`application '${res.app.name}' created`);
  });

app
  .command('list')
  .addOption(output)
  .action(async (o) => {
    const items: Record<string, unknown>[] = [];
    let cursor: string | undefined;
    do {
      const page = await client().request<{ items: Record<string, unknown>[]; next?: string }>(
        'GET',
        `/api/v1/apps${cursor ? `?cursor=${cursor}` : ''}`,
      );
      items.push(...page.items);
      cursor = page.next;
    } while (cursor);
    if (o.output === 'name') for (const i of items) console.log(i.name);
    else if (o.output === 'table' || o.output === 'wide') {
      const rows = items.map((i) => ({
        ...i,
        cluster: (i.destination as { name?: string }).name,
        namespace: (i.destination as { namespace?: string }).namespace,
        revision: String(i.revision ?? '').slice(0, 8),
      }));
      table(
        rows,
        o.output === 'wide'
          ? [
              'name',
              'cluster',
              'namespace',
              'project',
              'sync',
              'health',
              'revision',
              'repoURL',
              'path',
              'targetRevision',
            ]
          : ['name', 'cluster', 'namespace', 'sync', 'health', 'revision'],
      );
    } else print(items, o.output);
  });

app
  .command('get')
  .argument('<name>')
  .addOption(output)
  .action(async (name: string, o) => {
    const view = await client().request<AppView>('GET', `/api/v1/apps/${encodeURIComponent(name)}`);
    if (o.output === 'json' || o.output === 'yaml') return print(view, o.output);
    const s = view.status;
    console.log(`Name:       ${view.app.name}`);
    console.log(
      `Sync:       ${s?.sync.status ?? 'Unknown'}${s?.sync.revision ? ` to ${s.sync.revision}` : ''}`,
    );
    console.log(
      `Health:     ${s?.health.status ?? 'Unknown'}${s?.health.message ? ` (${s.health.message})` : ''}`,
    );
    if (s?.operation) console.log(`Operation:  ${s.operation.phase}: ${s.operation.message ?? ''}`);
    for (const c of s?.conditions ?? []) console.log(`Condition:  ${c.type}: ${c.message}`);
    const resources =
      (
        s as
          | {
              resources?: {
                ref: { kind: string; namespace?: string; name: string };
                status: string;
                health?: { status: string };
                message?: string;
              }[];
            }
          | undefined
      )?.resources ?? [];
    if (resources.length) {
      console.log('');
      table(
        resources.map((r) => ({
          kind: r.ref.kind,
          namespace: r.ref.namespace ?? '',
          name: r.ref.name,
          status: r.status,
          health: r.health?.status ?? '',
          message: r.message ?? '',
        })),
        ['kind', 'namespace', 'name', 'status', 'health', 'message'],
      );
    }
  });

app
  .command('sync')
  .argument('<name>')
  .option('--revision <rev>')
  .option('--prune')
  .option('--dry-run')
  .option('--async', 'do not wait for the sync to finish')
  .option('--timeout <seconds>', 'how long to wait', '300')
  .action(async (name: string, o) => {
    const { requestedAt } = await client().request<{ requestedAt: number }>(
      'POST',
      `/api/v1/apps/${encodeURIComponent(name)}/sync`,
      {
        revision: o.revision,
        prune: Boolean(o.prune),
        dryRun: Boolean(o.dryRun),
      },
    );
    if (o.async) return console.log(`sync of '${name}' requested`);
    const view = await waitFor(
      name,
      (v) =>
        Boolean(
          v.status?.operation &&
          Date.parse(v.status.operation.startedAt) >= requestedAt - 1000 &&
          v.status.operation.phase !== 'Running' &&
          !v.operationInProgress,
        ),
      Number(o.timeout),
    );
    const op = view.status!.operation!;
    console.log(`${op.phase}: ${op.message ?? ''}`);
    if (op.phase !== 'Succeeded') process.exitCode = 1;
  });

app
  .command('diff')
  .argument('<name>')
  .option('--timeout <seconds>', 'how long to wait for the comparison', '120')
  .description('compare live with Git; exit 0 when equal, 1 when different, 2 on error')
  .action(async (name: string, o) => {
    const { requestedAt } = await client().request<{ requestedAt: number }>(
      'POST',
      `/api/v1/apps/${encodeURIComponent(name)}/refresh`,
    );
    // Wait for the comparison this refresh asked for (server time), not an older one.
    const view = await waitFor(
      name,
      (v) =>
        Boolean(
          v.status?.drift && Date.parse((v.status.drift as { checkedAt: string }).checkedAt) >= requestedAt,
        ),
      Number(o.timeout),
    );
    const drift = view.status?.drift;
    if (drift?.diff?.trim()) process.stdout.write(`${drift.diff.trim()}\n`);
    process.exitCode = (drift?.outOfSync ?? 0) > 0 ? 1 : 0;
  });

app
  .command('history')
  .argument('<name>')
  .addOption(output)
  .action(async (name: string, o) => {
    const { items } = await client().request<{ items: Record<string, unknown>[] }>(
      'GET',
      `/api/v1/apps/${encodeURIComponent(name)}/history`,
    );
    if (o.output !== 'table' && o.output !== 'wide') return print(items, o.output);
    table(
      items.map((r) => ({
        id: r.id,
        deployedAt: r.finishedAt,
        revision: r.revision,
        phase: r.superseded ? 'Superseded' : r.phase,
        reason: r.reason,
      })),
      ['id', 'deployedAt', 'revision', 'phase', 'reason'],
    );
  });

app
  .command('rollback')
  .argument('<name>')
  .argument('[id]', 'history id (default: the previous successful sync)')
  .action(async (name: string, id: string | undefined) => {
    const res = await client().request<{ pinnedRevision: string; historyId: number }>(
      'POST',
      `/api/v1/apps/${encodeURIComponent(name)}/rollback`,
      id ? { id: Number(id) } : {},
    );
    console.log(
      `rolling back '${name}' to history ${res.historyId} (${res.pinnedRevision}); the app stays pinned until \`gitferry app unpin ${name}\``,
    );
  });

app
  .command('unpin')
  .argument('<name>')
  .action(async (name: string) => {
    await client().request('DELETE', `/api/v1/apps/${encodeURIComponent(name)}/pin`);
    console.log(`'${name}' follows its targetRevision again`);
  });

app
  .command('delete')
  .argument('<name>')
  .option('--cascade <bool>', 'delete the objects the app deployed', 'true')
  .addOption(
    new Option('--propagation-policy <policy>')
      .choices(['foreground', 'background', 'orphan'])
      .default('foreground'),
  )
  .option('-y, --yes', 'do not ask')
  .action(async (name: string, o) => {
    if (!o.yes && process.stdin.isTTY) {
      process.stderr.write(`delete app '${name}'${o.cascade === 'true' ? ' and its objects' : ''}? [y/N] `);
      const answer = await new Promise<string>((r) => process.stdin.once('data', (d) => r(String(d).trim())));
      process.stdin.pause();
      if (!/^y(es)?$/i.test(answer)) return console.log('aborted');
    }
    const res = await client().request<{ deleted: string[]; kept: string[] }>(
      'DELETE',
      `/api/v1/apps/${encodeURIComponent(name)}?cascade=${o.cascade}&propagationPolicy=${o.propagationPolicy}`,
    );
    for (const k of res.kept) console.error(`kept ${k} (Delete=false)`);
    console.log(
      `application '${name}' deleted${res.deleted.length ? ` with ${res.deleted.length} object(s)` : ''}`,
    );
  });

app
  .command('wait')
  .argument('<name>')
  .option('--health', 'wait until Healthy')
  .option('--sync', 'wait until Synced')
  .option('--timeout <seconds>', 'how long to wait', '300')
  .action(async (name: string, o) => {
    const both = !o.health && !o.sync;
    await waitFor(
      name,
      (v) =>
        (!(o.sync || both) || v.status?.sync.status === 'Synced') &&
        (!(o.health || both) || v.status?.health.status === 'Healthy'),
      Number(o.timeout),
    );
  });

const cluster = program.command('cluster').description('manage clusters');
cluster
  .command('add')
  .argument('<name>')
  .requiredOption('--server <url>')
  .option('--ca-file <file>', 'PEM CA of the API server')
  .option('--token <token>', 'bearer token (stored in the server secret store)')
  .option(
    '--token-secret <name>',
    "where tokens are stored out of band (AWS): the cluster's own secret, gitferry/clusters/<name>/token",
  )
  .action(async (name: string, o) => {
    const caData = o.caFile ? readFileSync(o.caFile).toString('base64') : undefined;
    await client().request('POST', '/api/v1/clusters', {
      name,
      server: o.server,
      caData,
      token: o.token,
      tokenSecret: o.tokenSecret,
    });
    console.log(`cluster '${name}' added`);
  });
cluster
  .command('list')
  .addOption(output)
  .action(async (o) => {
    const { items } = await client().request<{ items: Record<string, unknown>[] }>('GET', '/api/v1/clusters');
    if (o.output === 'table' || o.output === 'wide')
      table(
        items.map((c) => ({ ...c, server: c.server ?? `eks:${String(c.eksClusterName)}` })),
        ['name', 'type', 'server'],
      );
    else print(items, o.output);
  });
cluster
  .command('rm')
  .argument('<name>')
  .action(async (name: string) => {
    await client().request('DELETE', `/api/v1/clusters/${encodeURIComponent(name)}`);
    console.log(`cluster '${name}' removed`);
  });

const proj = program.command('proj').description('manage projects (Argo CD AppProjects)');
proj
  .command('create')
  .requiredOption('-f, --file <file>', 'an AppProject manifest')
  .action(async (o) => {
    const res = await client().request<{ name: string; warnings?: string[] }>(
      'POST',
      '/api/v1/projects',
      readFileSync(o.file, 'utf8'),
      'application/yaml',
    );
    for (const w of res.warnings ?? []) console.error(`warning: ${w}`);
    console.log(`project '${res.name}' created`);
  });
proj
  .command('list')
  .addOption(output)
  .action(async (o) => {
    const { items } = await client().request<{ items: Record<string, unknown>[] }>('GET', '/api/v1/projects');
    if (o.output === 'table' || o.output === 'wide')
      table(
        items.map((p) => ({ name: p.name, sourceRepos: (p.sourceRepos as string[]).join(',') })),
        ['name', 'sourceRepos'],
      );
    else print(items, o.output);
  });
proj
  .command('get')
  .argument('<name>')
  .addOption(output.default('yaml'))
  .action(async (name: string, o) =>
    print(
      await client().request('GET', `/api/v1/projects/${encodeURIComponent(name)}`),
      o.output === 'table' ? 'yaml' : o.output,
    ),
  );

program
  .command('serve')
  .description('run Gitferry locally: API, webhook endpoint, workers and drift checks on an embedded store')
  .option('--port <port>', 'listen port', '8080')
  .option('--host <host>', 'listen address', '127.0.0.1')
  .option(
    '--data-dir <dir>',
    'store, queue, secrets and caches',
    process.env.GITFERRY_DATA_DIR ?? join(homedir(), '.gitferry'),
  )
  .option('--apps-dir <dir>', 'a directory of Application/AppProject YAML to load')
  .option(
    '--kubeconfig <file>',
    'register the clusters of this kubeconfig (token users)',
    process.env.KUBECONFIG,
  )
  .option('--workers <n>', 'concurrent wake-ups', '2')
  .option(
    '--allow-host <hosts...>',
    'git or chart hosts on loopback or private addresses to allow (names or CIDRs)',
    (process.env.GITFERRY_ALLOWED_HOSTS ?? '').split(',').filter(Boolean),
  )
  .action(async (o) => {
    const { serve } = await import('./serve.js');
    await serve({
      port: Number(o.port),
      host: o.host,
      dataDir: o.dataDir,
      appsDir: o.appsDir,
      kubeconfig: o.kubeconfig,
      workers: Number(o.workers),
      allowedHosts: o.allowHost,
    });
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 2;
});
