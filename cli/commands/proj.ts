// `gitferry proj …`: create, list, get; sync windows (proj-windows.ts); role tokens (create-token,
// list-tokens, delete-token).
import { readFileSync } from 'node:fs';
import type { Command } from '@commander-js/extra-typings';
import type { ClientOf } from './client.js';
import { outputOption, print, table } from './output.js';
import { addProjWindowsCommands } from './proj-windows.js';

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
  addProjWindowsCommands(proj, client);
  const role = proj.command('role').description('project roles: tokens for automation');
  role
    .command('create-token')
    .description('issue a token acting as the role (printed once; only its hash is kept)')
    .argument('<project>')
    .argument('<role>')
    .option('--expires-in <seconds>', 'refuse the token after this many seconds')
    .action(async (project, roleName, o) => {
      const res = await client().request<{ id: string; token: string }>(
        'POST',
        `/api/v1/projects/${encodeURIComponent(project)}/roles/${encodeURIComponent(roleName)}/tokens`,
        o.expiresIn ? { expiresIn: Number(o.expiresIn) } : {},
      );
      console.error(`token ${res.id} issued for proj:${project}:${roleName}`);
      console.log(res.token);
    });
  role
    .command('list-tokens')
    .argument('<project>')
    .addOption(outputOption())
    .action(async (project, o) => {
      const { items } = await client().request<{ items: Record<string, unknown>[] }>(
        'GET',
        `/api/v1/projects/${encodeURIComponent(project)}/tokens`,
      );
      if (o.output === 'table' || o.output === 'wide')
        table(
          items.map((t) => ({
            ...t,
            issuedAt: new Date(t.issuedAt as number).toISOString(),
            expiresAt: t.expiresAt ? new Date(t.expiresAt as number).toISOString() : '',
          })),
          ['id', 'role', 'issuedBy', 'issuedAt', 'expiresAt'],
        );
      else print(items, o.output);
    });
  role
    .command('delete-token')
    .description('revoke a token: it is refused from then on')
    .argument('<project>')
    .argument('<id>')
    .action(async (project, id) => {
      await client().request(
        'DELETE',
        `/api/v1/projects/${encodeURIComponent(project)}/tokens/${encodeURIComponent(id)}`,
      );
      console.log(`token ${id} revoked`);
    });
}
