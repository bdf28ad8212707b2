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
    try {
      res = await fetch(`${this.server.replace(/\/+$/, '')}${path}`, {
        method,
        headers: {
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          ...(body !== undefined ? { 'content-type': contentType } : {}),
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
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
