#!/usr/bin/env node
// The gitferry command: `serve` runs the local process; everything else talks to the HTTP API.
// Each noun's commands live in cli/commands/; this file assembles them and sets the exit code.
import { Command } from '@commander-js/extra-typings';
import { addAppCommands } from './commands/app.js';
import { clientOf } from './commands/client.js';
import { addAuditCommand } from './commands/audit.js';
import { addClusterCommands } from './commands/cluster.js';
import { addLoginCommands } from './commands/login.js';
import { addProjCommands } from './commands/proj.js';
import { addServeCommand } from './commands/serve.js';

const program = new Command('gitferry')
  .description('GitOps deployer: keeps Kubernetes clusters equal to what Git says')
  .option('--server <url>', 'Gitferry API URL', process.env.GITFERRY_SERVER ?? 'http://127.0.0.1:8080')
  .option('--token <token>', 'API bearer token (default: $GITFERRY_TOKEN or the one `gitferry serve` wrote)')
  .showHelpAfterError();

const client = clientOf(() => program.opts());
addAppCommands(program, client);
addClusterCommands(program, client);
addProjCommands(program, client);
addServeCommand(program);
addLoginCommands(program);
addAuditCommand(program, client);

// Exit codes: 0 done, 1 the answer is "no" (sync failed, diff found changes), 2 an error.
program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 2;
});
