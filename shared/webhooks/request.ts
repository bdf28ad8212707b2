import { WebhookError } from './types.js';

/** A webhook as received: headers (any case) and the body's raw bytes, exactly as signed. */
export interface WebhookRequest {
  headers: Record<string, string | undefined>;
  body: Buffer;
}

/**
 * The value of header `name`, looked up case-insensitively (HTTP header names are; API Gateway and
 * Function URLs pass them lower-cased, other front ends may not). The same header given twice under
 * different spellings with different values is refused rather than resolved by guessing.
 */
export function getHeader(req: Pick<WebhookRequest, 'headers'>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  let found: string | undefined;
  for (const key of Object.keys(req.headers)) {
    if (key.toLowerCase() !== wanted) continue;
    const value = req.headers[key];
    if (value === undefined) continue;
    if (found !== undefined && found !== value) {
      throw new WebhookError('webhook:bad-header', 400, `${name} header appears more than once`);
    }
    found = value;
  }
  return found;
}

/** Throws 413 unless `byteLength` is within `maxBytes`. */
export function assertBodyWithinLimit(byteLength: number, maxBytes: number): void {
  if (byteLength > maxBytes) throw bodyTooLarge(maxBytes);
}

/**
 * The raw bytes of a Lambda (API Gateway or Function URL) request body, refused with 413 when over
 * `maxBytes`. The size is checked before decoding (a base64 text's length bounds its decoded size; a
 * string's length bounds its UTF-8 size from below) and again after, so an oversized body is never
 * copied into a Buffer.
 */
export function decodeLambdaBody(
  body: string | undefined,
  isBase64Encoded: boolean,
  maxBytes: number,
): Buffer {
  if (body === undefined || body === '') return Buffer.alloc(0);
  if (isBase64Encoded) {
    assertBodyWithinLimit(base64DecodedLength(body), maxBytes);
    const bytes = Buffer.from(body, 'base64');
    assertBodyWithinLimit(bytes.length, maxBytes);
    return bytes;
  }
  // Every UTF-16 code unit takes at least one UTF-8 byte: a string longer than the cap is over it.
  assertBodyWithinLimit(body.length, maxBytes);
  assertBodyWithinLimit(Buffer.byteLength(body, 'utf8'), maxBytes);
  return Buffer.from(body, 'utf8');
}

/**
 * Reads a streamed body (a Node request, a web stream) into one Buffer, stopping with 413 as soon as
 * more than `maxBytes` have arrived: Content-Length may lie or be absent (chunked), so the bytes
 * themselves are counted, and memory stays bounded by the cap plus one chunk. Leaving the loop
 * early cancels the source. `refuse` makes the error (default: a WebhookError with status 413); the
 * API uses its own, so that every HTTP entry caps bodies with this one loop.
 */
export async function collectBody(
  source: AsyncIterable<Uint8Array>,
  maxBytes: number,
  refuse: (maxBytes: number) => Error = bodyTooLarge,
): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of source) {
    total += chunk.byteLength;
    if (total > maxBytes) throw refuse(maxBytes);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/** The size of the bytes canonical base64 text decodes to, without decoding it. */
function base64DecodedLength(text: string): number {
  let padding = 0;
  if (text.endsWith('==')) padding = 2;
  else if (text.endsWith('=')) padding = 1;
  return Math.floor((text.length * 3) / 4) - padding;
}

/** The 413 a webhook body over the cap gets. */
export function bodyTooLarge(maxBytes: number): WebhookError {
  return new WebhookError(
    'webhook:too-large',
    413,
    `webhook body is larger than the limit of ${maxBytes} bytes`,
  );
}
