import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forgetRegisteredSecrets, registerSecret } from '../../../../shared/domain/redact.js';
import { runTool } from '../../../../shared/source/tool-runner.js';

// What helm and kustomize print when a chart or remote base URL carries credentials, replayed by
// a stand-in tool: the render error must name the failure without any of them.
const token = 'glpat-Zq8xW2vK9mN4bR7tY1uP';
const repoPassword = 'repo-password-7f3a9c';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gitferry-tool-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => forgetRegisteredSecrets());

function fakeTool(name: string, stderr: string, stdout = ''): string {
  const bin = join(dir, name);
  writeFileSync(join(dir, `${name}.err`), stderr);
  writeFileSync(join(dir, `${name}.out`), stdout);
  writeFileSync(bin, `#!/bin/sh\n/bin/cat "${dir}/${name}.out"\n/bin/cat "${dir}/${name}.err" >&2\nexit 1\n`);
  chmodSync(bin, 0o755);
  return bin;
}

async function failureOf(bin: string, args: string[] = []): Promise<Error> {
  try {
    await runTool({
      bin,
      args,
      cwd: dir,
      home: dir,
      timeoutMs: 10_000,
      maxOutputBytes: 1 << 20,
      what: 'helm template of charts/web',
    });
  } catch (err) {
    return err as Error;
  }
  throw new Error('the tool did not fail');
}

describe('a failing helm or kustomize', () => {
  test('helm stderr with a credential URL and a Basic header gives an error without them', async () => {
    const bin = fakeTool(
      'helm-creds',
      [
        'history.go:56: [debug] getting history for release web',
        `GET https://deploy:${token}@charts.example.com/index.yaml`,
        `Authorization: Basic ${Buffer.from(`deploy:${token}`).toString('base64')}`,
        `Error: looks like "https://deploy:${token}@charts.example.com/" is not a valid chart repository or cannot be reached: failed to fetch https://charts.example.com/index.yaml?private_token=${token} : 401 Unauthorized`,
      ].join('\n'),
    );

    const err = await failureOf(bin);

    expect(err.message).toContain('helm template of charts/web failed: ');
    expect(err.message).toContain('is not a valid chart repository');
    expect(err.message).toContain('https://charts.example.com/');
    expect(err.message).not.toContain(token);
    expect(err.message).not.toContain(Buffer.from(`deploy:${token}`).toString('base64'));
  });

  test('kustomize stderr quoting a remote base with a registered password gives an error without it', async () => {
    registerSecret(repoPassword);
    const bin = fakeTool(
      'kustomize-creds',
      `Error: accumulating resources: accumulation err='accumulating resources from 'https://git.example.com/org/base?ref=main': git clone with password ${repoPassword} failed': exit status 128`,
    );

    const err = await failureOf(bin);

    expect(err.message).toContain('accumulating resources');
    expect(err.message).not.toContain(repoPassword);
  });

  test('a PEM private key in the last lines of stderr is not copied into the error', async () => {
    const keyLines = Array.from(
      { length: 12 },
      (_, i) => `MIIEvQIBADANBgkqhkiG9w0BAQEFAASC${String(i).padStart(32, 'k')}`,
    );
    const bin = fakeTool(
      'helm-pem',
      [
        'Error: values.yaml: cannot unmarshal:',
        '-----BEGIN PRIVATE KEY-----',
        ...keyLines,
        '-----END PRIVATE KEY-----',
      ].join('\n'),
    );

    const err = await failureOf(bin);

    for (const line of keyLines) expect(err.message).not.toContain(line);
  });

  test('with nothing on stderr, the fallback message carries no credential from the arguments', async () => {
    const bin = join(dir, 'silent');
    writeFileSync(bin, '#!/bin/sh\nexit 3\n');
    chmodSync(bin, 0o755);

    const err = await failureOf(bin, ['pull', `https://deploy:${token}@charts.example.com/web-1.0.0.tgz`]);

    expect(err.message).toContain('helm template of charts/web failed: ');
    expect(err.message).not.toContain(token);
  });
});
