// The gitferry command tree: each noun's commands live in cli/commands/; this file assembles them
// and resolves the global options (which server, which token). cli/gitferry.ts runs it.
import { Command, Option } from '@commander-js/extra-typings';
import { buildInfo } from './build-info.js';
import { addAppCommands } from './commands/app.js';
import { addAppInspectCommands } from './commands/app-inspect.js';
import { clientOf } from './commands/client.js';
import { addClusterCommands } from './commands/cluster.js';
import { addCompletionCommand } from './commands/completion.js';
import { addProjCommands } from './commands/proj.js';
import { addServeCommand } from './commands/serve.js';
import { addVersionCommand } from './commands/version.js';

export const defaultServer = 'http://127.0.0.1:8080';

type AnyCommand = Command<unknown[], Record<string, unknown>, Record<string, unknown>>;

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
  addCompletionCommand(program);
  addConnectionOptions(program as unknown as AnyCommand);

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
