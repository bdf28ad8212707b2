// `gitferry audit`: who did what, when, and how it ended (newest first).
import type { Command } from '@commander-js/extra-typings';
import type { ClientOf } from './client.js';
import { outputOption, print, table } from './output.js';

export function addAuditCommand(program: Command, client: ClientOf): void {
  program
    .command('audit')
    .description('the audit trail: every mutating call and every refused one')
    .option('--app <name>', 'only entries about this app')
    .option('--limit <n>', 'at most this many entries', '50')
    .addOption(outputOption())
    .action(async (o) => {
      const q = new URLSearchParams({ limit: o.limit, ...(o.app ? { app: o.app } : {}) });
      const { items } = await client().request<{ items: Record<string, unknown>[] }>(
        'GET',
        `/api/v1/audit?${q}`,
      );
      if (o.output === 'table' || o.output === 'wide')
        table(
          items.map((e) => ({
            ...e,
            at: new Date(e.at as number).toISOString(),
            who: `${String(e.subject)}${e.tokenId ? ` (token ${String(e.tokenId).slice(0, 8)})` : ''}`,
            groups: ((e.groups as string[]) ?? []).join(','),
          })),
          ['at', 'who', 'groups', 'action', 'result', 'status', 'permission'],
        );
      else print(items, o.output);
    });
}
