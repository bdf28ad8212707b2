// `gitferry login` / `gitferry logout`: the CLI's sign-in with the installation's OpenID provider.
import type { Command } from '@commander-js/extra-typings';

/** `server` answers the Gitferry API URL the command line resolved (cli/program.ts). */
export function addLoginCommands(program: Command, server: () => string): void {
  program
    .command('login')
    .description(
      'sign in with the OpenID provider the server uses (device flow, else a browser on this machine)',
    )
    .option('--flow <flow>', 'auto, device or loopback', 'auto')
    .action(async (o) => {
      const { login } = await import('../login.js');
      const flow = o.flow === 'device' || o.flow === 'loopback' ? o.flow : 'auto';
      const done = await login({
        server: server(),
        flow,
        open: (url, userCode) =>
          console.log(userCode ? `Open ${url} and confirm the code ${userCode}` : `Open ${url} to sign in`),
      });
      console.log(`Signed in as ${done.subject} (${done.flow}); token stored in ${done.file}`);
    });
}

/** `gitferry logout`: revokes the stored token on the server and forgets it here. */
export function addLogoutCommand(program: Command, server: () => string): void {
  program
    .command('logout')
    .description('sign out: the server refuses the stored token from now on, and it is removed here')
    .action(async () => {
      const { logout } = await import('../login.js');
      const done = await logout(server());
      console.log(
        done.revoked
          ? `Signed out of ${done.server}`
          : `No token was stored for ${done.server}; nothing to revoke`,
      );
    });
}
