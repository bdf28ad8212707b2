import type { LookupFunction } from 'node:net';

/**
 * How to reach one cluster's API server. Adapters build it (EKS, kubeconfig); the engine only
 * uses it. `authorization` is called before each request so short-lived tokens can refresh.
 */
export interface ClusterConnection {
  /** A name for messages and metrics; never a credential. */
  name: string;
  server: string;
  tls: {
    ca?: string | Buffer;
    cert?: string | Buffer;
    key?: string | Buffer;
    insecureSkipVerify?: boolean;
    serverName?: string;
  };
  /**
   * The Authorization header for the next request. `fresh`: the API server refused the last one
   * (401), so cached credentials are dropped and resolved again (the secret re-read, a new EKS
   * token signed); connections whose credentials cannot change ignore it.
   */
  authorization(opts?: { fresh?: boolean }): Promise<string | undefined>;
  /**
   * Resolves the server's host for the socket (default: DNS). Connectors of registered servers
   * set it to answer only the addresses the URL guard vetted (cluster-server.ts).
   */
  lookup?: LookupFunction;
}
