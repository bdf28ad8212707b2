// `gitferry version`: this client's build and, unless --client, the server's (GET /api/v1/version).
import type { Command } from '@commander-js/extra-typings';
import { buildInfo } from '../build-info.js';
import type { ClientOf } from './client.js';
import { print } from './output.js';
import { Option } from '@commander-js/extra-typings';

export function addVersionCommand(program: Command, client: ClientOf): void {
  program
    .command('version')
    .description('print the client and server versions')
    .option('--client', 'the client only (no server needed)')
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(['text', 'json', 'yaml'] as const)
        .default('text'),
    )
    .addHelpText('after', '\nExamples:\n  gitferry version\n  gitferry version --client -o json')
    .action(async (o) => {
      const clientInfo = { ...buildInfo(), node: process.version };
      let server: Record<string, string> | { error: string } | undefined;
      if (!o.client)
        server = await client()
          .request<Record<string, string>>('GET', '/api/v1/version')
          .catch((err: Error) => ({ error: err.message }));
      if (o.output !== 'text') return print({ client: clientInfo, ...(server ? { server } : {}) }, o.output);
      console.log(`gitferry: v${clientInfo.version}`);
      console.log(`  Commit: ${clientInfo.commit}`);
      console.log(`  BuildDate: ${clientInfo.builtAt}`);
      console.log(`  NodeVersion: ${clientInfo.node}`);
      if (!server) return;
      if ('error' in server) {
        console.log(`gitferry-server: unreachable (${server.error})`);
        process.exitCode = 2;
        return;
      }
      console.log(`gitferry-server: v${server.version}`);
      console.log(`  Commit: ${server.commit}`);
      if (server.builtAt) console.log(`  BuildDate: ${server.builtAt}`);
      console.log(`  NodeVersion: ${server.node}`);
    });
}
