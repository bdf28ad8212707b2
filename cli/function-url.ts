// Whether a server is a Gitferry deployed on AWS (a Lambda Function URL): a module of its own so
// the CLI can tell without loading the signer and the AWS SDK behind it.

/** `https://<id>.lambda-url.<region>.on.aws` → the region; undefined for other servers. */
export function functionUrlRegion(server: string): string | undefined {
  return /\.lambda-url\.([a-z0-9-]+)\.on\.aws$/.exec(new URL(server).hostname)?.[1];
}
