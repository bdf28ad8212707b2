// `gitferry cluster …`: add, list (with each cluster's connection state, as the workers last saw it), rm.
import { readFileSync } from 'node:fs';
import type { Command } from '@commander-js/extra-typings';
import type { ClientOf } from './client.js';
import { outputOption, print, table } from './output.js';

export function addClusterCommands(program: Command, client: ClientOf): void {
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
    .action(async (name, o) => {
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
    .addOption(outputOption())
    .action(async (o) => {
      const { items } = await client().request<{ items: Record<string, unknown>[] }>(
        'GET',
        '/api/v1/clusters',
      );
      if (o.output === 'table' || o.output === 'wide')
        table(
          items.map((c) => {
            const seen = (c.connectionState ?? {}) as {
              status?: string;
              message?: string;
              attemptedAt?: string;
            };
            return {
              ...c,
              server: c.server ?? `eks:${String(c.eksClusterName)}`,
              status: seen.status ?? 'Unknown',
              message: seen.message ?? '',
              seen: seen.attemptedAt ?? '',
            };
          }),
          o.output === 'wide'
            ? ['name', 'type', 'server', 'status', 'seen', 'message']
            : ['name', 'type', 'server', 'status', 'message'],
        );
      else print(items, o.output);
    });
  cluster
    .command('rm')
    .argument('<name>')
    .action(async (name) => {
      await client().request('DELETE', `/api/v1/clusters/${encodeURIComponent(name)}`);
      console.log(`cluster '${name}' removed`);
    });
}
