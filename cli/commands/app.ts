// `gitferry app …`: create, list, get, sync, diff, history, rollback, unpin, delete, wait.
import { readFileSync } from 'node:fs';
import { Option, type Command } from '@commander-js/extra-typings';
import { dump } from 'js-yaml';
import { ApiError } from '../api-client.js';
import type { ClientOf } from './client.js';
import { outputOption, print, table } from './output.js';

interface AppView {
  app: { name: string; pinnedRevision?: string };
  status?: {
    healthy?: { revision: string; since: string };
    autoRollback?: { from: string; to?: string; at: string; reason: string };
    sync: { status: string; revision?: string; comparedAt?: string };
    health: { status: string; message?: string };
    operation?: {
      phase: string;
      message?: string;
      revision?: string;
      startedAt: string;
      runId?: number;
      requestedAt?: number;
    };
    drift?: { outOfSync: number; diff?: string; error?: string; checkedAt: string };
    conditions?: { type: string; message: string }[];
    resources?: {
      ref: { kind: string; namespace?: string; name: string };
      status: string;
      health?: { status: string };
      message?: string;
    }[];
  };
  operationInProgress?: unknown;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const appPath = (name: string) => `/api/v1/apps/${encodeURIComponent(name)}`;

/** Polls an app until `done` says so; prints each new state on a line (a live view). */
async function waitFor(
  client: ClientOf,
  name: string,
  done: (v: AppView) => boolean,
  timeoutSeconds: number,
): Promise<AppView> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let last = '';
  for (;;) {
    const view = await client().request<AppView>('GET', appPath(name));
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

export function addAppCommands(program: Command, client: ClientOf): void {
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
    .action(async (name, o) => {
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
      const res = await client().request<{
        app: { name: string };
        warnings: string[];
        result?: 'created' | 'updated' | 'unchanged';
      }>('POST', `/api/v1/apps${o.upsert ? '?upsert=true' : ''}`, manifest, 'application/yaml');
      for (const w of res.warnings) console.error(`warning: ${w}`);
      console.log(`application '${res.app.name}' ${res.result ?? 'created'}`);
    });

  app
    .command('list')
    .addOption(outputOption())
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
    .addOption(outputOption())
    .action(async (name, o) => {
      const view = await client().request<AppView>('GET', appPath(name));
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
      if (view.app.pinnedRevision) console.log(`Pinned:     ${view.app.pinnedRevision}`);
      if (s?.healthy) console.log(`Healthy:    at ${s.healthy.revision} since ${s.healthy.since}`);
      const rolled = s?.autoRollback;
      if (rolled)
        console.log(
          `Rollback:   ${rolled.at} from ${rolled.from} ${rolled.to ? `to ${rolled.to}` : '(no Healthy revision to go to)'}: ${rolled.reason}`,
        );
      for (const c of s?.conditions ?? []) console.log(`Condition:  ${c.type}: ${c.message}`);
      const resources = s?.resources ?? [];
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
    .option(
      '--operation-timeout <seconds>',
      "end the sync (and delete its running hooks) if it still runs after this long (default: the server's)",
    )
    .action(async (name, o) => {
      const { requestedAt } = await client().request<{ requestedAt: number }>(
        'POST',
        `${appPath(name)}/sync`,
        {
          revision: o.revision,
          prune: Boolean(o.prune),
          dryRun: Boolean(o.dryRun),
          // Sent as typed: the server checks it and names the field when it is not whole seconds.
          ...(o.operationTimeout !== undefined
            ? {
                timeoutSeconds: /^\d+$/.test(o.operationTimeout)
                  ? Number(o.operationTimeout)
                  : o.operationTimeout,
              }
            : {}),
        },
      );
      if (o.async) return console.log(`sync of '${name}' requested`);
      // Only the operation started for this request (or a newer one) answers: never the one before.
      const view = await waitFor(
        client,
        name,
        (v) =>
          Boolean(
            v.status?.operation &&
            (v.status.operation.requestedAt ?? 0) >= requestedAt &&
            v.status.operation.phase !== 'Running' &&
            !v.operationInProgress,
          ),
        Number(o.timeout),
      );
      const op = view.status!.operation!;
      for (const c of view.status!.conditions ?? [])
        if (c.type === 'SharedResourceWarning') console.error(`warning: ${c.message}`);
      console.log(`${op.phase}: ${op.message ?? ''}`);
      if (op.phase !== 'Succeeded') process.exitCode = 1;
    });

  app
    .command('terminate-op')
    .argument('<name>')
    .description("stop the app's running operation: running hooks are deleted, the sync ends Failed")
    .action(async (name) => {
      const res = await client().request<{ runId: number; phase: string; message: string }>(
        'DELETE',
        `${appPath(name)}/operation`,
      );
      console.log(`operation ${res.runId} of '${name}' terminated: ${res.phase}: ${res.message}`);
    });

  app
    .command('diff')
    .argument('<name>')
    .option('--timeout <seconds>', 'how long to wait for the comparison', '120')
    .description('compare live with Git; exit 0 when equal, 1 when different, 2 on error')
    .action(async (name, o) => {
      const { requestedAt } = await client().request<{ requestedAt: number }>(
        'POST',
        `${appPath(name)}/refresh`,
      );
      // Wait for the comparison this refresh asked for (server time), not an older one.
      const view = await waitFor(
        client,
        name,
        (v) => Boolean(v.status?.drift && Date.parse(v.status.drift.checkedAt) >= requestedAt),
        Number(o.timeout),
      );
      const drift = view.status?.drift;
      if (drift?.error)
        throw new ApiError(0, `Application/${name} cannot be compared with Git: ${drift.error}`);
      if (drift?.diff?.trim()) process.stdout.write(`${drift.diff.trim()}\n`);
      process.exitCode = (drift?.outOfSync ?? 0) > 0 ? 1 : 0;
    });

  app
    .command('history')
    .argument('<name>')
    .addOption(outputOption())
    .action(async (name, o) => {
      const { items } = await client().request<{ items: Record<string, unknown>[] }>(
        'GET',
        `${appPath(name)}/history`,
      );
      if (o.output !== 'table' && o.output !== 'wide') return print(items, o.output);
      table(
        items.map((r) => ({
          id: r.id,
          deployedAt: r.finishedAt,
          revision: r.revision,
          phase: r.superseded ? 'Superseded' : r.phase,
          reason: r.reason,
          initiatedBy: initiatorText(r.initiatedBy),
          message: typeof r.message === 'string' ? r.message.slice(0, 120) : '',
        })),
        o.output === 'wide'
          ? ['id', 'deployedAt', 'revision', 'phase', 'reason', 'initiatedBy', 'message']
          : ['id', 'deployedAt', 'revision', 'phase', 'reason', 'initiatedBy'],
      );
    });

  app
    .command('rollback')
    .argument('<name>')
    .argument('[id]', 'history id (default: the previous successful sync)')
    .action(async (name, id) => {
      const res = await client().request<{ pinnedRevision: string; historyId: number }>(
        'POST',
        `${appPath(name)}/rollback`,
        id ? { id: Number(id) } : {},
      );
      console.log(
        `rolling back '${name}' to history ${res.historyId} (${res.pinnedRevision}); the app stays pinned until \`gitferry app unpin ${name}\``,
      );
    });

  app
    .command('unpin')
    .argument('<name>')
    .action(async (name) => {
      await client().request('DELETE', `${appPath(name)}/pin`);
      console.log(`'${name}' follows its targetRevision again`);
    });

  app
    .command('delete')
    .argument('<name>')
    .option('--cascade <bool>', 'delete the objects the app deployed', 'true')
    .addOption(
      new Option('--propagation-policy <policy>')
        .choices(['foreground', 'background', 'orphan'] as const)
        .default('foreground'),
    )
    .option('-y, --yes', 'do not ask')
    .action(async (name, o) => {
      if (!o.yes && process.stdin.isTTY) {
        process.stderr.write(`delete app '${name}'${o.cascade === 'true' ? ' and its objects' : ''}? [y/N] `);
        const answer = await new Promise<string>((r) =>
          process.stdin.once('data', (d) => r(String(d).trim())),
        );
        process.stdin.pause();
        if (!/^y(es)?$/i.test(answer)) return console.log('aborted');
      }
      const res = await client().request<{ deleted: string[]; kept: string[]; queued?: boolean }>(
        'DELETE',
        `${appPath(name)}?cascade=${o.cascade}&propagationPolicy=${o.propagationPolicy}`,
      );
      for (const k of res.kept) console.error(`kept ${k}`);
      // On AWS the worker deletes the objects (the API reaches no cluster): the app goes when it has.
      if (res.queued) return console.log(`application '${name}' deletion queued (its objects first)`);
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
    .action(async (name, o) => {
      const both = !o.health && !o.sync;
      await waitFor(
        client,
        name,
        (v) =>
          (!(o.sync || both) || v.status?.sync.status === 'Synced') &&
          (!(o.health || both) || v.status?.health.status === 'Healthy'),
        Number(o.timeout),
      );
    });
}

/** A run's initiator for the history table: `alice (team-a)`, `token 3f2a…`, or `webhook`. */
export function initiatorText(value: unknown): string {
  if (!value || typeof value !== 'object') return '';
  const i = value as { username?: unknown; groups?: unknown; tokenId?: unknown };
  const name = typeof i.username === 'string' ? i.username : '';
  const groups = Array.isArray(i.groups) ? i.groups.filter((g) => typeof g === 'string').join(',') : '';
  const token = typeof i.tokenId === 'string' ? ` token ${i.tokenId.slice(0, 8)}` : '';
  return `${name}${groups ? ` (${groups})` : ''}${token}`;
}
