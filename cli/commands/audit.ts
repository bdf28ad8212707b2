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

/** `gitferry account revoke-sessions USER`: an admin refuses every session and token of a user. */
export function addAccountCommand(program: Command, client: ClientOf): void {
  const account = program.command('account').description('signed-in users');
  account
    .command('revoke-sessions')
    .description('revoke every session and CLI token of a user issued until now (they must sign in again)')
    .argument('<user>', "the user's subject (as `gitferry audit` shows it)")
    .addOption(outputOption())
    .action(async (user, o) => {
      const done = await client().request<{ subject: string; revokedAt: number; until: number }>(
        'DELETE',
        `/api/v1/users/${encodeURIComponent(user)}/sessions`,
      );
      if (o.output === 'table' || o.output === 'wide')
        console.log(
          `Sessions of ${done.subject} issued before ${new Date(done.revokedAt).toISOString()} are refused`,
        );
      else print(done, o.output);
    });
}
