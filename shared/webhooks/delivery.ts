import { getHeader, type WebhookRequest } from './request.js';
import { WebhookError } from './types.js';

/**
 * The first of `headers` present, as a delivery id: 1–128 printable ASCII characters without spaces
 * (it becomes part of a store key and appears in logs). 400 naming the headers if none is present.
 */
export function requireDeliveryId(req: WebhookRequest, headers: readonly string[]): string {
  for (const name of headers) {
    const value = getHeader(req, name);
    if (value === undefined || value === '') continue;
    if (!/^[\x21-\x7e]{1,128}$/.test(value)) {
      throw new WebhookError('webhook:bad-header', 400, `${name} header must be 1-128 printable characters`);
    }
    return value;
  }
  const names = headers.length === 1 ? `${headers[0]} header is` : `${headers.join(', ')} headers are`;
  throw new WebhookError('webhook:bad-header', 400, `${names} missing`);
}
