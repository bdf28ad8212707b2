// A kubeconfig file read into plain data: clusters, users and contexts, the fields Gitferry uses.
// @kubernetes/client-node's KubeConfig did this before, but importing client-node costs a process
// about 16 MB of memory bundled (80 MB through tsx) for what is a YAML file with three lists; the
// engine needs none of the rest. Users that would run or read something on the deployer's host
// (exec, auth-provider, tokenFile) are kept as flags so the connection can refuse them by name.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { load } from 'js-yaml';
import { KubeConfigError } from './errors.js';

export interface KubeconfigCluster {
  name: string;
  server: string;
  /** certificate-authority-data (base64 PEM). */
  caData?: string;
  /** certificate-authority: a file path, made absolute against the kubeconfig's directory. */
  caFile?: string;
  insecureSkipVerify?: boolean;
  tlsServerName?: string;
}

export interface KubeconfigUser {
  name: string;
  token?: string;
  /** client-certificate-data / client-key-data (base64 PEM). */
  certData?: string;
  keyData?: string;
  /** client-certificate / client-key: file paths, made absolute against the kubeconfig's directory. */
  certFile?: string;
  keyFile?: string;
  username?: string;
  password?: string;
  /** What the user would run or read on this host: `exec`, `auth-provider` or `tokenFile`. */
  refused?: 'exec' | 'auth-provider' | 'tokenFile';
}

export interface KubeconfigContext {
  name: string;
  cluster: string;
  user: string;
  namespace?: string;
}

export interface Kubeconfig {
  clusters: KubeconfigCluster[];
  users: KubeconfigUser[];
  contexts: KubeconfigContext[];
  currentContext?: string;
}

type Entry = Record<string, unknown>;

const isEntry = (v: unknown): v is Entry => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * Parses a kubeconfig's text. `baseDir` anchors relative file paths (kubectl's rule: relative to
 * the kubeconfig itself). A document that is not a kubeconfig is a KubeConfigError naming `where`.
 */
export function parseKubeconfig(source: string, where: string, baseDir = process.cwd()): Kubeconfig {
  let doc: unknown;
  try {
    doc = load(source);
  } catch (err) {
    throw new KubeConfigError(
      'kubeconfig:invalid',
      `kubeconfig ${where}: not YAML: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  if (!isEntry(doc)) throw new KubeConfigError('kubeconfig:invalid', `kubeconfig ${where}: not a mapping`);
  const file = (v: unknown) => {
    const path = text(v);
    return path === undefined ? undefined : isAbsolute(path) ? path : resolve(baseDir, path);
  };
  const named = (key: string, inner: string): { name: string; body: Entry }[] => {
    const list = doc[key] ?? [];
    if (!Array.isArray(list))
      throw new KubeConfigError('kubeconfig:invalid', `kubeconfig ${where}: ${key} is not a list`);
    return list.flatMap((item) => {
      const name = isEntry(item) ? text(item.name) : undefined;
      const body = isEntry(item) ? item[inner] : undefined;
      return name !== undefined && isEntry(body) ? [{ name, body }] : [];
    });
  };
  return {
    clusters: named('clusters', 'cluster').flatMap(({ name, body }) => {
      const server = text(body.server);
      if (server === undefined) return [];
      return [
        {
          name,
          server,
          caData: text(body['certificate-authority-data']),
          caFile: file(body['certificate-authority']),
          insecureSkipVerify: body['insecure-skip-tls-verify'] === true,
          tlsServerName: text(body['tls-server-name']),
        },
      ];
    }),
    users: named('users', 'user').map(({ name, body }) => ({
      name,
      token: text(body.token),
      certData: text(body['client-certificate-data']),
      keyData: text(body['client-key-data']),
      certFile: file(body['client-certificate']),
      keyFile: file(body['client-key']),
      username: text(body.username),
      password: text(body.password),
      refused:
        body.exec !== undefined
          ? 'exec'
          : body['auth-provider'] !== undefined
            ? 'auth-provider'
            : body.tokenFile !== undefined
              ? 'tokenFile'
              : undefined,
    })),
    contexts: named('contexts', 'context').flatMap(({ name, body }) => {
      const cluster = text(body.cluster);
      const user = text(body.user);
      return cluster === undefined
        ? []
        : [{ name, cluster, user: user ?? '', namespace: text(body.namespace) }];
    }),
    currentContext: text(doc['current-context']),
  };
}

/** Reads and parses a kubeconfig file (relative paths inside it are taken from its directory). */
export function readKubeconfig(path: string): Kubeconfig {
  return parseKubeconfig(readFileSync(path, 'utf8'), path, dirname(resolve(path)));
}

/** The cluster and user of a context (the current one by default); undefined parts are missing. */
export function contextOf(
  kc: Kubeconfig,
  context = kc.currentContext,
): { context?: KubeconfigContext; cluster?: KubeconfigCluster; user?: KubeconfigUser } {
  const ctx = kc.contexts.find((c) => c.name === context);
  return {
    context: ctx,
    cluster: ctx && kc.clusters.find((c) => c.name === ctx.cluster),
    user: ctx && kc.users.find((u) => u.name === ctx.user),
  };
}
