// `gitferry proj windows list|add|update|delete|enable-manual-sync|disable-manual-sync`, as
// `argocd proj windows` does: a window's ID is its index in the project's spec.syncWindows. Each
// edit reads the project, changes its windows and saves it back as an AppProject manifest (the
// server validates it as any other: a bad schedule or duration is refused naming the window).
import type { Command } from '@commander-js/extra-typings';
import type { ClientOf } from './client.js';
import { outputOption, print, table } from './output.js';

interface StoredWindow {
  kind: string;
  schedule: string;
  duration: string;
  timeZone?: string;
  applications?: string[];
  namespaces?: string[];
  clusters?: string[];
  manualSync?: boolean;
  andOperator?: boolean;
}
type StoredProject = Record<string, unknown> & {
  name: string;
  parent?: string;
  syncWindows?: StoredWindow[];
};

const projectPath = (name: string) => `/api/v1/projects/${encodeURIComponent(name)}`;
const list = (v: string | undefined) =>
  v === undefined
    ? undefined
    : v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

/** The project as an AppProject manifest, with its windows as Argo CD writes them. */
export function projectManifest(project: StoredProject, windows: StoredWindow[]): Record<string, unknown> {
  const { name, parent: _parent, syncWindows: _old, warnings: _warnings, ...spec } = project;
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: { name },
    spec: {
      ...spec,
      syncWindows: windows.map((w) => ({
        kind: w.kind,
        schedule: w.schedule,
        duration: w.duration,
        ...(w.timeZone ? { timeZone: w.timeZone } : {}),
        ...(w.applications?.length ? { applications: w.applications } : {}),
        ...(w.namespaces?.length ? { namespaces: w.namespaces } : {}),
        ...(w.clusters?.length ? { clusters: w.clusters } : {}),
        ...(w.manualSync ? { manualSync: true } : {}),
        ...(w.andOperator ? { andOperator: true } : {}),
      })),
    },
  };
}

export function addProjWindowsCommands(proj: Command, client: ClientOf): void {
  const windows = proj.command('windows').description("a project's sync windows (as argocd proj windows)");
  const edit = async (name: string, change: (w: StoredWindow[]) => StoredWindow[] | string) => {
    const project = await client().request<StoredProject>('GET', projectPath(name));
    if (project.parent)
      throw new Error(`AppProject/${name} is defined by the app of apps ${project.parent}: change it in Git`);
    const next = change([...(project.syncWindows ?? [])]);
    if (typeof next === 'string') throw new Error(`AppProject/${name}: ${next}`);
    await client().request('POST', '/api/v1/projects', projectManifest(project, next));
  };
  const at = (w: StoredWindow[], id: string): number | string => {
    const i = Number(id);
    return /^\d+$/.test(id) && i < w.length ? i : `no sync window with ID ${id} (IDs 0 to ${w.length - 1})`;
  };
  windows
    .command('list')
    .argument('<project>')
    .addOption(outputOption())
    .action(async (name, o) => {
      const project = await client().request<StoredProject>('GET', projectPath(name));
      const items = (project.syncWindows ?? []).map((w, id) => ({ id, ...w }));
      if (o.output !== 'table' && o.output !== 'wide') return print(items, o.output);
      table(
        items.map((w) => ({
          ...w,
          timeZone: w.timeZone ?? 'UTC',
          manualSync: w.manualSync ? 'Enabled' : 'Disabled',
          applications: (w.applications ?? []).join(','),
          namespaces: (w.namespaces ?? []).join(','),
          clusters: (w.clusters ?? []).join(','),
        })),
        [
          'id',
          'kind',
          'schedule',
          'duration',
          'timeZone',
          'applications',
          'namespaces',
          'clusters',
          'manualSync',
        ],
      );
    });

  windows
    .command('add')
    .argument('<project>')
    .requiredOption('-k, --kind <kind>', 'allow or deny')
    .option('--manual-sync', 'let manual syncs through while the window says no')
    .option('--schedule <cron>', 'when the window opens, as cron: "0 22 * * *"')
    .option('--duration <duration>', 'how long it stays open: 1h, 30m, 1h30m')
    .option('--time-zone <zone>', "the schedule's IANA time zone (default UTC)")
    .option('--applications <names>', 'app name globs, comma-separated')
    .option('--namespaces <names>', 'namespace globs, comma-separated')
    .option('--clusters <names>', 'cluster name globs, comma-separated')
    .action(async (name, o) => {
      if (!o.schedule || !o.duration) throw new Error('--schedule and --duration are required');
      await edit(name, (w) => [
        ...w,
        {
          kind: o.kind,
          schedule: o.schedule!,
          duration: o.duration!,
          timeZone: o.timeZone,
          applications: list(o.applications),
          namespaces: list(o.namespaces),
          clusters: list(o.clusters),
          manualSync: o.manualSync === true,
        },
      ]);
      console.log(`sync window added to project '${name}'`);
    });

  windows
    .command('update')
    .argument('<project>')
    .argument('<id>')
    .option('--schedule <cron>', 'when the window opens, as cron: "0 22 * * *"')
    .option('--duration <duration>', 'how long it stays open: 1h, 30m, 1h30m')
    .option('--time-zone <zone>', "the schedule's IANA time zone (default UTC)")
    .option('--applications <names>', 'app name globs, comma-separated')
    .option('--namespaces <names>', 'namespace globs, comma-separated')
    .option('--clusters <names>', 'cluster name globs, comma-separated')
    .action(async (name, id, o) => {
      await edit(name, (w) => {
        const i = at(w, id);
        if (typeof i === 'string') return i;
        const old = w[i]!;
        w[i] = {
          ...old,
          ...(o.schedule ? { schedule: o.schedule } : {}),
          ...(o.duration ? { duration: o.duration } : {}),
          ...(o.timeZone ? { timeZone: o.timeZone } : {}),
          ...(o.applications !== undefined ? { applications: list(o.applications) } : {}),
          ...(o.namespaces !== undefined ? { namespaces: list(o.namespaces) } : {}),
          ...(o.clusters !== undefined ? { clusters: list(o.clusters) } : {}),
        };
        return w;
      });
      console.log(`sync window ${id} of project '${name}' updated`);
    });

  windows
    .command('delete')
    .argument('<project>')
    .argument('<id>')
    .action(async (name, id) => {
      await edit(name, (w) => {
        const i = at(w, id);
        return typeof i === 'string' ? i : w.filter((_, j) => j !== i);
      });
      console.log(`sync window ${id} deleted from project '${name}'`);
    });

  for (const [verb, manualSync] of [
    ['enable-manual-sync', true],
    ['disable-manual-sync', false],
  ] as const)
    windows
      .command(verb)
      .argument('<project>')
      .argument('<id>')
      .action(async (name, id) => {
        await edit(name, (w) => {
          const i = at(w, id);
          if (typeof i === 'string') return i;
          w[i] = { ...w[i]!, manualSync };
          return w;
        });
        console.log(
          `manual sync ${manualSync ? 'enabled' : 'disabled'} for sync window ${id} of project '${name}'`,
        );
      });
}
