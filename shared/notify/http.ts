// One request of a notification service, through the guarded HTTP client: the URL guard holds at
// connect time (DESIGN.md safety rule 6), no redirect is followed (it would re-send the body
// elsewhere), time and the bytes read are bounded, and errors never show a secret URL's path.
import { guardedRequest } from '../source/guarded-http.js';
import { redactUrl, type UrlGuardOptions } from '../source/url-guard.js';

/** A request failed; `retry` says whether another try may help (network, 5xx, 429, 408). */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
  constructor(
    message: string,
    readonly retry: boolean,
  ) {
    super(message);
  }
}

export interface ServiceRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  /** JSON text (sent with content-type application/json). */
  body?: string;
  /** How errors name the request, without secrets (`GitHub status`, `Slack webhook`). */
  what: string;
  /** The URL is itself a secret (Slack's incoming webhook URL): errors show its origin only. */
  urlIsSecret?: boolean;
}

export interface ServiceResponse {
  status: number;
  /** The body parsed as JSON (undefined when it is not JSON or was cut). */
  json: unknown;
}

export interface ServiceHttpOptions {
  guard: UrlGuardOptions;
  /** One request's time limit. */
  timeoutMs: number;
  /** Bytes of a response read; the rest is dropped (the JSON is then unknown). */
  maxResponseBytes: number;
}

/** Sends one request; a non-2xx answer throws a DeliveryError quoting the start of the answer. */
export async function sendServiceRequest(o: ServiceHttpOptions, r: ServiceRequest): Promise<ServiceResponse> {
  const shown = redactUrl(r.url);
  let status: number;
  let text = '';
  let cut = false;
  try {
    const { response } = await guardedRequest(r.url, {
      guard: o.guard,
      method: r.method,
      headers: r.body === undefined ? r.headers : { ...r.headers, 'content-type': 'application/json' },
      body: r.body === undefined ? undefined : Buffer.from(r.body),
      timeoutMs: o.timeoutMs,
      maxRedirects: 0,
      what: r.what,
    });
    status = response.statusCode ?? 0;
    let size = 0;
    for await (const chunk of response as AsyncIterable<Buffer>) {
      if (size + chunk.length <= o.maxResponseBytes) text += chunk.toString('utf8');
      else cut = true;
      size += chunk.length;
    }
  } catch (err) {
    const e = err as Error & { code?: string };
    // A refused URL will be refused again, a redirect followed again; a network failure may pass.
    const final = e.code === 'source:url-refused' || /too many redirects/.test(e.message);
    throw new DeliveryError(scrub(r, e.message), !final);
  }
  if (status < 200 || status >= 300) {
    const retry = status >= 500 || status === 429 || status === 408;
    const said = text.slice(0, 200).replace(/\s+/g, ' ');
    throw new DeliveryError(scrub(r, `${r.what} ${shown} answered ${status}: ${said}`), retry);
  }
  let json: unknown;
  if (!cut && text !== '') {
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON: Slack answers "ok"
    }
  }
  return { status, json };
}

/** A URL that is itself the secret (a Slack webhook's path) shows as its origin only. */
function scrub(r: ServiceRequest, message: string): string {
  if (!r.urlIsSecret) return message;
  let origin = '(secret URL)';
  try {
    origin = `${new URL(r.url).origin}/…`;
  } catch {
    // not a URL: the placeholder
  }
  return message.split(redactUrl(r.url)).join(origin).split(r.url).join(origin);
}
