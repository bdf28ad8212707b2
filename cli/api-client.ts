import { functionUrlRegion } from './function-url.js';

/** A small client of the Gitferry HTTP API for the CLI; errors carry the server's problem detail. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class ApiClient {
  constructor(
    private readonly server: string,
    private readonly token: string | undefined,
  ) {}

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<T> {
    let res: Response;
    const url = `${this.server.replace(/\/+$/, '')}${path}`;
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    let headers: Record<string, string> = {
      ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      ...(payload !== undefined ? { 'content-type': contentType } : {}),
    };
    // A Gitferry deployed on AWS: IAM auth, requests signed with the caller's AWS credentials,
    // unless the caller signed in (`gitferry login` against the sign-in URL): then the bearer token.
    // The signer (and the AWS SDK behind it) loads only for such a server: other commands start faster.
    const region = functionUrlRegion(this.server);
    if (region && !this.token) {
      const { sigV4Headers } = await import('./sigv4.js');
      headers = await sigV4Headers(url, method, payload, headers, region);
    }
    try {
      res = await fetch(url, { method, headers, body: payload });
    } catch (err) {
      throw new ApiError(
        0,
        `cannot reach the Gitferry server at ${this.server} (${(err as Error).cause ? String((err as { cause: Error }).cause.message) : (err as Error).message}); is \`gitferry serve\` running?`,
      );
    }
    const text = await res.text();
    const data = text ? (JSON.parse(text) as unknown) : undefined;
    if (!res.ok) {
      const detail =
        (data as { detail?: string; error?: string } | undefined)?.detail ??
        (data as { error?: string } | undefined)?.error ??
        res.statusText;
      throw new ApiError(res.status, detail);
    }
    return data as T;
  }
}
