// The one way the UI talks to the API: the caller's credential (a session cookie, or an API token
// kept for this tab), problem+json errors as ApiError, and conditional GETs: each answer's ETag
// is kept and sent back, so a poll that finds nothing new costs a 304 and no body.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const tokenKey = 'gitferry.token';

export const credentials = {
  token: (): string | null => sessionStorage.getItem(tokenKey),
  setToken: (token: string) => sessionStorage.setItem(tokenKey, token.trim()),
  clear: () => sessionStorage.removeItem(tokenKey),
};

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const token = credentials.token();
  return { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra };
}

async function failure(res: Response): Promise<ApiError> {
  let detail = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as { detail?: string; title?: string };
    detail = body.detail ?? body.title ?? detail;
  } catch {
    // not JSON: the status line says enough
  }
  return new ApiError(res.status, detail);
}

const cached = new Map<string, { etag: string; body: unknown }>();

/** GET /api/v1`path`: the cached body when the server answers 304 Not Modified. */
export async function getJson<T>(path: string): Promise<T> {
  const url = `/api/v1${path}`;
  const known = cached.get(url);
  const res = await fetch(url, {
    headers: headers(known ? { 'if-none-match': known.etag } : {}),
    credentials: 'same-origin',
    cache: 'no-store',
  });
  if (res.status === 304 && known) return known.body as T;
  if (!res.ok) throw await failure(res);
  const body = (await res.json()) as T;
  const etag = res.headers.get('etag');
  if (etag) cached.set(url, { etag, body });
  return body;
}

/** A request that changes something (POST, DELETE): its JSON answer. */
export async function send<T>(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const res = await fetch(`/api/v1${path}`, {
    method,
    headers: headers(body === undefined ? {} : { 'content-type': 'application/json' }),
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

/** Authorization headers for a raw fetch (the event stream). */
export function authHeaders(): Record<string, string> {
  return headers({ accept: 'text/event-stream' });
}

export const enc = encodeURIComponent;
