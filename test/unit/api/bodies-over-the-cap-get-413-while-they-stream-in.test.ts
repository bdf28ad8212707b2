import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { maxApiBodyBytes } from '../../../shared/api/api-app.js';
import { defaultWebhookOptions } from '../../../shared/webhooks/types.js';
import { startServe } from '../../support/serve.js';
import { freePort } from '../../testbed/free-port.js';
import { declareAndStall, overrunContentLength, streamChunked } from './raw-http.js';

const fiftyMiB = 50 * 1024 * 1024;
// The streaming tests stall the body (stop writing, never end it) a little past the cap: only a
// server that answers as the cap is passed answers at all, whatever the load on the machine.

describe('request bodies on gitferry serve are capped as they stream in', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gitferry-body-cap-'));
  let serve: ChildProcess;
  let url: string;
  let auth: Record<string, string>;
  const webhookHeaders = { 'content-type': 'application/json', 'x-github-event': 'push' };
  beforeAll(async () => {
    const started = await startServe({ port: await freePort(), dataDir });
    serve = started.child;
    url = started.url;
    auth = {
      authorization: `Bearer ${readFileSync(join(dataDir, 'api-token'), 'utf8').trim()}`,
      'content-type': 'application/yaml',
    };
  });
  afterAll(() => {
    serve.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  test('a chunked 50 MiB webhook body gets 413 long before it is all sent', async () => {
    const answer = await streamChunked(
      url,
      '/api/webhook',
      webhookHeaders,
      fiftyMiB,
      defaultWebhookOptions.maxBodyBytes + 2 * 1024 * 1024,
    );

    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toEqual({
      error: `webhook body is larger than the limit of ${defaultWebhookOptions.maxBodyBytes} bytes`,
    });
  });

  test('a chunked 50 MiB manifest posted to the API gets 413 long before it is all sent', async () => {
    const answer = await streamChunked(
      url,
      '/api/v1/apps',
      auth,
      fiftyMiB,
      maxApiBodyBytes + 2 * 1024 * 1024,
    );

    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({
      status: 413,
      detail: `request bodies are limited to ${maxApiBodyBytes} bytes`,
    });
  });

  test.each([
    ['the webhook', '/api/webhook', () => webhookHeaders],
    ['the API', '/api/v1/projects', () => auth],
  ])(
    'a Content-Length of 50 MiB to %s is refused from the header, without waiting for the bytes',
    async (_, path, headers) => {
      const answer = await declareAndStall(url, path, headers(), fiftyMiB, 1024);

      expect(answer.status).toBe(413);
      expect(answer.ms).toBeLessThan(5_000);
    },
  );

  test.each([
    ['the webhook', '/api/webhook', () => webhookHeaders],
    ['the API', '/api/v1/projects', () => auth],
  ])(
    'a Content-Length smaller than what follows to %s: the bytes past it are never a body, and the connection is closed',
    async (_, path, headers) => {
      const { answers, written } = await overrunContentLength(url, path, headers(), '{}', fiftyMiB);

      // Node's parser takes the two declared bytes as the body and what follows as the next request:
      // malformed, so the connection is refused with 400 and closed (the first request may or may not
      // be answered before that). When the server closes with our bytes still unread, TCP resets the
      // connection and the client may lose the answer itself: then there is no status to read, only
      // the close. Either way nothing is ever accepted, and the client could not send it all.
      const statuses = [...answers.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
      for (const status of statuses) expect([400, 401, 422]).toContain(status);
      if (statuses.includes(400))
        expect(answers).toMatch(/HTTP\/1\.1 400 Bad Request\r\nConnection: close\r\n\r\n$/);
      expect(written).toBeLessThan(fiftyMiB);
    },
  );

  test('an unauthenticated API caller gets 401 before its body is read', async () => {
    const answer = await streamChunked(
      url,
      '/api/v1/apps',
      { 'content-type': 'application/yaml' },
      fiftyMiB,
      1024 * 1024,
    );

    // Answered while the body is still open after its first MiB: the token is checked first.
    expect(answer.status).toBe(401);
  });

  test('bodies under the cap still arrive whole, chunked or not', async () => {
    const manifest = [
      'apiVersion: argoproj.io/v1alpha1',
      'kind: AppProject',
      'metadata: {name: capped}',
      'spec:',
      '  sourceRepos: ["*"]',
      '  destinations: [{namespace: "*", server: "*"}]',
      `  description: "${'x'.repeat(200_000)}"`,
    ].join('\n');
    const res = await fetch(`${url}/api/v1/projects`, { method: 'POST', headers: auth, body: manifest });

    expect(res.status).toBe(201);
    expect(((await res.json()) as { name: string }).name).toBe('capped');
  });
});
