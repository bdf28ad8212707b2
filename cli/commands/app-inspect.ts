// `gitferry app manifests | resources | logs | refresh | set | patch`: the Argo CD verbs beyond
// create/sync/diff, added to the `app` command made in app.ts.
import { readFileSync } from 'node:fs';
import { Option, type Command } from '@commander-js/extra-typings';
import { dump, load } from 'js-yaml';
import { ApiError } from '../api-client.js';
import { applicationOf, jsonPatch, mergePatch, type StoredApp } from '../application-edit.js';
import type { ClientOf } from './client.js';
import { outputOption, print, table } from './output.js';

const appPath = (name: string) => `/api/v1/apps/${encodeURIComponent(name)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const collect = (v: string, all: string[]) => [...all, v];

interface ResourceStatus {
  ref: { group?: string; version?: string; kind: string; namespace?: string; name: string };
  status: string;
  health?: { status: string; message?: string };
  message?: string;
}

interface LogEntry {
  pod: string;
  namespace: string;
  container: string;
  text?: string;
  error?: string;
}

/** Saves an edited Application (an upsert) and says what the server warned about. */
async function saveApplication(client: ClientOf, manifest: unknown, name: string): Promise<void> {
  const res = await client().request<{ warnings: string[] }>(
    'POST',
    '/api/v1/apps?upsert=true',
    dump(manifest, { noRefs: true }),
    'application/yaml',
  );
  for (const w of res.warnings) console.error(`warning: ${w}`);
  console.log(`application '${name}' updated`);
}

async function getApplication(client: ClientOf, name: string) {
  const { app } = await client().request<{ app: StoredApp }>('GET', appPath(name));
  return applicationOf(app);
}

/** `key=value` of --helm-set; the value may hold '='. */
function helmParameter(text: string, forceString: boolean) {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new ApiError(0, `--helm-set ${text}: expected name=value`);
  return {
    name: text.slice(0, eq),
    value: text.slice(eq + 1),
    ...(forceString ? { forceString: true } : {}),
  };
}

export function addAppInspectCommands(app: Command, client: ClientOf): void {
  app
    .command('manifests')
    .description("print the app's manifests: rendered from Git (default) or live on the cluster")
    .argument('<name>')
    .addOption(
      new Option('--source <source>', 'git or live').choices(['git', 'live'] as const).default('git'),
    )
    .addOption(outputOption('yaml'))
    .addHelpText(
      'after',
      '\nExamples:\n  gitferry app manifests guestbook\n  gitferry app manifests guestbook --source live -o json',
    )
    .action(async (name, o) => {
      const res = await client().request<{ items: Record<string, unknown>[]; revision?: string }>(
        'GET',
        `${appPath(name)}/manifests?source=${o.source}`,
      );
      if (o.output === 'json') return print(res.items, 'json');
      if (o.output === 'name')
        for (const i of res.items)
          console.log(`${String(i.kind)}/${String((i.metadata as { name: string }).name)}`);
      else
        process.stdout.write(res.items.map((i) => dump(i, { noRefs: true, lineWidth: 120 })).join('---\n'));
    });

  app
    .command('resources')
    .description('list the objects the app manages, with their sync status and health')
    .argument('<name>')
    .addOption(outputOption())
    .addHelpText('after', '\nExample:\n  gitferry app resources guestbook -o wide')
    .action(async (name, o) => {
      const view = await client().request<{ status?: { resources?: ResourceStatus[] } }>(
        'GET',
        appPath(name),
      );
      const resources = view.status?.resources ?? [];
      if (o.output === 'json' || o.output === 'yaml') return print(resources, o.output);
      if (o.output === 'name') {
        for (const r of resources) console.log(`${r.ref.kind}/${r.ref.name}`);
        return;
      }
      table(
        resources.map((r) => ({
          group: r.ref.group ?? '',
          kind: r.ref.kind,
          namespace: r.ref.namespace ?? '',
          name: r.ref.name,
          status: r.status,
          health: r.health?.status ?? '',
          message: r.message ?? r.health?.message ?? '',
        })),
        o.output === 'wide'
          ? ['group', 'kind', 'namespace', 'name', 'status', 'health', 'message']
          : ['group', 'kind', 'namespace', 'name', 'status', 'health'],
      );
    });

  app
    .command('logs')
    .description("print the logs of the Pods the app's workloads run")
    .argument('<name>')
    .option('-c, --container <name>', 'only this container')
    .option('--tail <lines>', 'the last lines of each container', '100')
    .option('--since-seconds <seconds>', 'only lines newer than this')
    .option('-f, --follow', 'keep printing new lines (polls every 2 s) until Ctrl-C')
    .addHelpText(
      'after',
      '\nExamples:\n  gitferry app logs guestbook --tail 20\n  gitferry app logs guestbook -c web -f',
    )
    .action(async (name, o) => {
      const query = (since?: number) =>
        new URLSearchParams({
          tailLines: o.tail,
          ...(o.container ? { container: o.container } : {}),
          ...(since
            ? { sinceSeconds: String(since) }
            : o.sinceSeconds
              ? { sinceSeconds: o.sinceSeconds }
              : {}),
        }).toString();
      // Lines carry the cluster's timestamps: following prints each (pod, container, line) once.
      const seen = new Set<string>();
      let failed = false;
      const show = (items: LogEntry[], multi: boolean) => {
        for (const e of items) {
          if (e.error) {
            if (!seen.has(e.error)) console.error(`error: ${e.error}`);
            seen.add(e.error);
            failed = true;
            continue;
          }
          for (const line of (e.text ?? '').split('\n').filter(Boolean)) {
            const key = `${e.namespace}/${e.pod}/${e.container} ${line}`;
            if (seen.has(key)) continue;
            seen.add(key);
            const text = line.replace(/^\S+Z /, '');
            console.log(multi ? `${e.pod} ${e.container} ${text}` : text);
          }
        }
      };
      const first = await client().request<{ items: LogEntry[]; truncated: boolean }>(
        'GET',
        `${appPath(name)}/logs?${query()}`,
      );
      if (first.items.length === 0) console.error(`app '${name}' runs no Pods`);
      if (first.truncated) console.error('warning: the app runs more Pods than are shown');
      const multi = new Set(first.items.map((e) => `${e.pod}/${e.container}`)).size > 1;
      show(first.items, multi);
      if (!o.follow) {
        if (failed) process.exitCode = 2;
        return;
      }
      for (;;) {
        await sleep(2000);
        const next = await client().request<{ items: LogEntry[] }>(
          'GET',
          `${appPath(name)}/logs?${query(10)}`,
        );
        show(next.items, multi);
      }
    });

  app
    .command('refresh')
    .description('compare live with Git now and print the outcome (as `argocd app get --refresh`)')
    .argument('<name>')
    .option('--hard', 'the same: Gitferry keeps no manifest cache between comparisons')
    .option('--timeout <seconds>', 'how long to wait for the comparison', '120')
    .addHelpText('after', '\nExample:\n  gitferry app refresh guestbook')
    .action(async (name, o) => {
      const { requestedAt } = await client().request<{ requestedAt: number }>(
        'POST',
        `${appPath(name)}/refresh`,
      );
      const deadline = Date.now() + Number(o.timeout) * 1000;
      for (;;) {
        const view = await client().request<{
          status?: { sync: { status: string; comparedAt?: string }; health: { status: string } };
        }>('GET', appPath(name));
        const s = view.status;
        if (s?.sync.comparedAt && Date.parse(s.sync.comparedAt) >= requestedAt) {
          console.log(`${name}  sync=${s.sync.status}  health=${s.health.status}`);
          return;
        }
        if (Date.now() > deadline)
          throw new ApiError(0, `timed out after ${o.timeout} s waiting for the comparison of app ${name}`);
        await sleep(500);
      }
    });

  app
    .command('set')
    .description('change an app: source, destination, sync policy, Helm parameters and values')
    .argument('<name>')
    .option('--repo <url>', 'source repoURL')
    .option('--path <path>', 'path in the repo')
    .option('--revision <rev>', 'targetRevision')
    .option('--dest-name <cluster>')
    .option('--dest-server <url>')
    .option('--dest-namespace <ns>')
    .option('--project <name>')
    .addOption(new Option('--sync-policy <policy>').choices(['none', 'automated'] as const))
    .option('--auto-prune', 'with --sync-policy automated')
    .option('--self-heal', 'with --sync-policy automated')
    .option('-p, --helm-set <name=value>', 'a Helm parameter (repeatable)', collect, [] as string[])
    .option(
      '--helm-set-string <name=value>',
      'a Helm parameter kept a string (repeatable)',
      collect,
      [] as string[],
    )
    .option('--values <file>', 'a Helm value file in the repo (repeatable)', collect, [] as string[])
    .option('--values-literal-file <file>', 'Helm values from a local file, stored in the app')
    .option('--release-name <name>', 'Helm release name')
    .addHelpText(
      'after',
      '\nExamples:\n  gitferry app set guestbook --revision v2 --sync-policy automated --self-heal\n  gitferry app set web -p image.tag=1.2.3 --values values-prod.yaml',
    )
    .action(async (name, o) => {
      const manifest = await getApplication(client, name);
      const spec = manifest.spec as Record<string, Record<string, unknown> | string | undefined>;
      if (Array.isArray((spec as { sources?: unknown }).sources) && (o.repo || o.path || o.revision))
        throw new ApiError(0, `app ${name} has several sources: use \`gitferry app patch\` to change one`);
      const source = (spec.source ?? {}) as Record<string, unknown>;
      if (o.repo) source.repoURL = o.repo;
      if (o.path) source.path = o.path;
      if (o.revision) source.targetRevision = o.revision;
      const helmWanted =
        o.helmSet.length || o.helmSetString.length || o.values.length || o.valuesLiteralFile || o.releaseName;
      if (helmWanted) {
        const helm = (source.helm ?? {}) as Record<string, unknown>;
        const params = (helm.parameters ?? []) as { name: string }[];
        for (const p of [
          ...o.helmSet.map((t) => helmParameter(t, false)),
          ...o.helmSetString.map((t) => helmParameter(t, true)),
        ]) {
          const i = params.findIndex((q) => q.name === p.name);
          if (i >= 0) params[i] = p;
          else params.push(p);
        }
        if (params.length) helm.parameters = params;
        if (o.values.length)
          helm.valueFiles = [...new Set([...((helm.valueFiles ?? []) as string[]), ...o.values])];
        if (o.valuesLiteralFile) helm.values = readFileSync(o.valuesLiteralFile, 'utf8');
        if (o.releaseName) helm.releaseName = o.releaseName;
        source.helm = helm;
      }
      if (spec.source) spec.source = source;
      const dest = (spec.destination ?? {}) as Record<string, unknown>;
      if (o.destName) [dest.name, dest.server] = [o.destName, undefined];
      if (o.destServer) [dest.server, dest.name] = [o.destServer, undefined];
      if (o.destNamespace) dest.namespace = o.destNamespace;
      spec.destination = JSON.parse(JSON.stringify(dest)) as Record<string, unknown>;
      if (o.project) spec.project = o.project;
      const policy = (spec.syncPolicy ?? {}) as Record<string, unknown>;
      if (o.syncPolicy === 'none') delete policy.automated;
      if (o.syncPolicy === 'automated' || ((o.autoPrune || o.selfHeal) && policy.automated)) {
        const automated = (policy.automated ?? {}) as Record<string, unknown>;
        if (o.autoPrune) automated.prune = true;
        if (o.selfHeal) automated.selfHeal = true;
        policy.automated = automated;
      } else if (o.autoPrune || o.selfHeal)
        throw new ApiError(
          0,
          '--auto-prune and --self-heal need an automated sync policy (--sync-policy automated)',
        );
      spec.syncPolicy = policy;
      await saveApplication(client, manifest, name);
    });

  app
    .command('patch')
    .description('change an app with a JSON merge patch or an RFC 6902 JSON patch of its Application')
    .argument('<name>')
    .requiredOption('--patch <patch>', 'the patch, JSON or YAML')
    .addOption(new Option('--type <type>', 'patch type').choices(['merge', 'json'] as const).default('merge'))
    .addHelpText(
      'after',
      `\nExamples:\n  gitferry app patch guestbook --patch '{"spec":{"source":{"targetRevision":"v2"}}}'\n  gitferry app patch guestbook --type json --patch '[{"op":"replace","path":"/spec/source/path","value":"prod"}]'`,
    )
    .action(async (name, o) => {
      let patch: unknown;
      try {
        patch = load(o.patch);
      } catch (err) {
        throw new ApiError(0, `--patch is not JSON or YAML: ${(err as Error).message}`);
      }
      const manifest = await getApplication(client, name);
      const patched = o.type === 'json' ? jsonPatch(manifest, patch) : mergePatch(manifest, patch);
      const meta = (patched as { metadata?: { name?: unknown } }).metadata;
      if (meta?.name !== name) throw new ApiError(0, `the patch may not rename app ${name}`);
      await saveApplication(client, patched, name);
    });
}
