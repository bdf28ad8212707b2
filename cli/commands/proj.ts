// `gitferry proj …`: create, list, get.
import { readFileSync } from 'node:fs';
import type { Command } from '@commander-js/extra-typings';
import type { ClientOf } from './client.js';
import { outputOption, print, table } from './output.js';

export function addProjCommands(program: Command, client: ClientOf): void {
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
    .addOption(outputOption())
    .action(async (o) => {
      const { items } = await client().request<{ items: Record<string, unknown>[] }>(
        'GET',
        '/api/v1/projects',
      );
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
    .addOption(outputOption('yaml'))
    .action(async (name, o) =>
      print(
        await client().request('GET', `/api/v1/projects/${encodeURIComponent(name)}`),
        o.output === 'table' ? 'yaml' : o.output,
      ),
    );
}
