// `gitferry serve`: flags only; the process itself is cli/serve.ts, loaded when the command runs.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from '@commander-js/extra-typings';
import {
  checkOperationTimeout,
  defaultOperationTimeoutSeconds,
} from '../../shared/domain/operation-timeout.js';
import {
  defaultSourceLimits,
  repoMaxFilesRange,
  sourceLimitsWith,
} from '../../shared/runtime/source-limits.js';

export function addServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run Gitferry locally: API, webhook endpoint, workers and drift checks on an embedded store')
    .option('--port <port>', 'listen port', '8080')
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option(
      '--data-dir <dir>',
      'store, queue, secrets and caches',
      process.env.GITFERRY_DATA_DIR ?? join(homedir(), '.gitferry'),
    )
    .option('--apps-dir <dir>', 'a directory of Application/AppProject YAML to load')
    .option(
      '--kubeconfig <file>',
      'register the clusters of this kubeconfig (token users)',
      process.env.KUBECONFIG,
    )
    .option('--workers <n>', 'concurrent wake-ups', '2')
    .option(
      '--allow-host <hosts...>',
      'git or chart hosts on loopback or private addresses to allow (names or CIDRs)',
      (process.env.GITFERRY_ALLOWED_HOSTS ?? '').split(',').filter(Boolean),
    )
    .option(
      '--rbac-policy <file>',
      'RBAC policy lines (Argo CD policy.csv syntax) added to the built-in roles',
    )
    .option('--rbac-default-role <role>', 'the role every signed-in caller has (e.g. role:readonly)')
    .option('--oidc-issuer <url>', 'sign in with this OpenID provider', process.env.GITFERRY_OIDC_ISSUER)
    .option(
      '--oidc-client-id <id>',
      'the client browsers sign in with',
      process.env.GITFERRY_OIDC_CLIENT_ID ?? 'gitferry',
    )
    .option('--oidc-cli-client-id <id>', 'a public client for gitferry login (default: the same)')
    .option('--oidc-groups-claim <claim>', 'the claim holding the groups', 'groups')
    .option('--public-url <url>', 'Gitferry as browsers reach it (for the sign-in redirect)')
    .option(
      '--sync-timeout <seconds>',
      'end a sync still running after this long, deleting its running hooks (a sync request may set its own)',
      process.env.GITFERRY_SYNC_TIMEOUT_SECONDS ?? String(defaultOperationTimeoutSeconds),
    )
    .option(
      '--repo-max-files <n>',
      `files and directories a checkout may hold (a monorepo of thousands of apps needs more; ${repoMaxFilesRange.min} to ${repoMaxFilesRange.max})`,
      process.env.GITFERRY_REPO_MAX_FILES ?? String(defaultSourceLimits.maxFiles),
    )
    .option(
      '--health-checks <path>',
      'custom Lua health checks: a directory of <group>_<Kind>.lua files, or an argocd-cm ConfigMap file',
      process.env.GITFERRY_HEALTH_CHECKS,
    )
    .option(
      '--argo-namespace <ns>',
      'Applications and AppProjects an app renders into this namespace become its child apps',
      process.env.GITFERRY_ARGO_NAMESPACE ?? 'argocd',
    )
    .option(
      '--notifications <file>',
      'notification services and templates (argocd-notifications-cm shape, YAML or JSON; docs/notifications.md)',
      process.env.GITFERRY_NOTIFICATIONS_FILE,
    )
    .action(async (o) => {
      const syncTimeoutSeconds = checkOperationTimeout('--sync-timeout', o.syncTimeout);
      const sourceLimits = sourceLimitsWith('--repo-max-files', o.repoMaxFiles);
      const { serve } = await import('../serve.js');
      await serve({
        port: Number(o.port),
        host: o.host,
        dataDir: o.dataDir,
        appsDir: o.appsDir,
        kubeconfig: o.kubeconfig,
        workers: Number(o.workers),
        allowedHosts: o.allowHost,
        rbacPolicyFile: o.rbacPolicy,
        rbacDefaultRole: o.rbacDefaultRole,
        oidc: o.oidcIssuer
          ? {
              issuer: o.oidcIssuer,
              clientId: o.oidcClientId,
              // A secret never goes on a command line (ps shows it): the environment only.
              clientSecret: process.env.GITFERRY_OIDC_CLIENT_SECRET,
              cliClientId: o.oidcCliClientId,
              groupsClaim: o.oidcGroupsClaim,
              publicUrl: o.publicUrl,
            }
          : undefined,
        syncTimeoutSeconds,
        sourceLimits,
        healthChecks: o.healthChecks,
        argoNamespace: o.argoNamespace,
        notificationsFile: o.notifications,
      });
    });
}
