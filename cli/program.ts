// The gitferry command tree: each noun's commands live in cli/commands/; this file assembles them
// and resolves the global options (which server, which token). cli/gitferry.ts runs it.
import { Command, Option } from '@commander-js/extra-typings';
import { buildInfo } from './build-info.js';
import { addAppCommands } from './commands/app.js';
import { addAppInspectCommands } from './commands/app-inspect.js';
import { clientOf } from './commands/client.js';
import { addClusterCommands } from './commands/cluster.js';
import { addCompletionCommand } from './commands/completion.js';
import { addAccountCommand, addAuditCommand } from './commands/audit.js';
import { addLoginCommands, addLogoutCommand } from './commands/login.js';
import { addProjCommands } from './commands/proj.js';
import { addServeCommand } from './commands/serve.js';
import { addVersionCommand } from './commands/version.js';

export const defaultServer = 'http://127.0.0.1:8080';

type AnyCommand = Command<unknown[], Record<string, unknown>, Record<string, unknown>>;

/**
 * Examples for the commands made in files other engineers also edit (app.ts, cluster.ts, proj.ts,
 * serve.ts), added here; the newer commands carry their own.
 */
const examples: Record<string, string[]> = {
  'app create': [
    'gitferry app create -f application.yaml',
    'gitferry app create guestbook --repo https://git.example.com/apps.git --path guestbook --dest-name prod --dest-namespace guestbook --sync-policy automated --self-heal',
  ],
  'app list': ['gitferry app list -o wide'],
  'app get': ['gitferry app get guestbook', 'gitferry app get guestbook -o yaml'],
  'app sync': ['gitferry app sync guestbook', 'gitferry app sync guestbook --revision v1.2.0 --prune'],
  'app diff': ['gitferry app diff guestbook && echo "in sync"'],
  'app history': ['gitferry app history guestbook'],
  'app rollback': ['gitferry app rollback guestbook', 'gitferry app rollback guestbook 3'],
  'app unpin': ['gitferry app unpin guestbook'],
  'app delete': ['gitferry app delete guestbook -y', 'gitferry app delete guestbook --cascade false'],
  'app wait': ['gitferry app wait guestbook --health --timeout 120'],
  'cluster add': [
    'gitferry cluster add prod --server https://10.0.0.1:6443 --ca-file ca.pem --token "$TOKEN"',
  ],
  'cluster list': ['gitferry cluster list -o json'],
  'cluster rm': ['gitferry cluster rm prod'],
  'proj create': ['gitferry proj create -f appproject.yaml'],
  'proj list': ['gitferry proj list'],
  'proj get': ['gitferry proj get default'],
  serve: ['gitferry serve --kubeconfig ~/.kube/config --apps-dir ./apps'],
};

function addExamples(cmd: AnyCommand, path: string): void {
  const lines = examples[path];
  if (lines)
    cmd.addHelpText(
      'after',
      `\nExample${lines.length > 1 ? 's' : ''}:\n${lines.map((l) => `  ${l}`).join('\n')}`,
    );
  for (const c of cmd.commands) addExamples(c as AnyCommand, path ? `${path} ${c.name()}` : c.name());
}

/** The whole command tree, ready to parse. */
export function buildProgram() {
  // Positional options: the global --server/--token are read before the command only, so a
  // command's own options of the same name (`cluster add NAME --server URL --token T`, Argo CD's
  // flags) are that command's. --gitferry-server and --auth-token mean the Gitferry API anywhere.
  const program = new Command('gitferry')
    .description('GitOps deployer: keeps Kubernetes clusters equal to what Git says')
    .version(`gitferry v${buildInfo().version} (${buildInfo().commit})`, '--version', 'print the version')
    .enablePositionalOptions()
    .option('--gitferry-server <url>', `Gitferry API URL (default: $GITFERRY_SERVER or ${defaultServer})`)
    .option('--server <url>', 'the same as --gitferry-server, when given before the command')
    .option(
      '--auth-token <token>',
      'API bearer token (default: $GITFERRY_TOKEN or the one `gitferry serve` wrote)',
    )
    .option('--token <token>', 'the same as --auth-token, when given before the command')
    .showHelpAfterError();

  /** The connection options as given on the command that runs (after it) or on the program (before it). */
  let connection: { server: string; token?: string } = { server: defaultServer };
  const leavesWithOurServer = new WeakSet<object>();
  const leavesWithOurToken = new WeakSet<object>();

  /**
   * Every command that talks to the API also takes the connection options after its name (hidden
   * from its help), as kubectl and argocd do; --server and --token only where the command has no
   * option of that name itself.
   */
  function addConnectionOptions(cmd: AnyCommand): void {
    if (cmd.commands.length > 0) return cmd.commands.forEach((c) => addConnectionOptions(c as AnyCommand));
    if (['serve', 'completion'].includes(cmd.name()) && cmd.parent === (program as unknown)) return;
    const has = (flag: string) => cmd.options.some((o) => o.long === flag);
    cmd.addOption(new Option('--gitferry-server <url>').hideHelp());
    cmd.addOption(new Option('--auth-token <token>').hideHelp());
    if (!has('--server')) {
      cmd.addOption(new Option('--server <url>').hideHelp());
      leavesWithOurServer.add(cmd);
    }
    if (!has('--token')) {
      cmd.addOption(new Option('--token <token>').hideHelp());
      leavesWithOurToken.add(cmd);
    }
  }

  const client = clientOf(() => connection);
  addAppCommands(program, client);
  addAppInspectCommands(program.commands.find((c) => c.name() === 'app')! as unknown as Command, client);
  addClusterCommands(program, client);
  addProjCommands(program, client);
  addVersionCommand(program, client);
  addServeCommand(program);
  addLoginCommands(program as unknown as Command, () => connection.server);
  addLogoutCommand(program as unknown as Command, () => connection.server);
  addAuditCommand(program, client);
  addAccountCommand(program, client);
  addCompletionCommand(program);
  addConnectionOptions(program as unknown as AnyCommand);
  addExamples(program as unknown as AnyCommand, '');

  program.hook('preAction', (_program, action) => {
    const g = program.opts();
    const l = action.opts() as {
      gitferryServer?: string;
      server?: string;
      authToken?: string;
      token?: string;
    };
    const ours = <T>(set: WeakSet<object>, v: T) => (set.has(action) ? v : undefined);
    connection = {
      server:
        l.gitferryServer ??
        ours(leavesWithOurServer, l.server) ??
        g.gitferryServer ??
        g.server ??
        process.env.GITFERRY_SERVER ??
        defaultServer,
      token: l.authToken ?? ours(leavesWithOurToken, l.token) ?? g.authToken ?? g.token,
    };
  });
  return program;
}
