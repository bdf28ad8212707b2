import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildHealthChecks, loadHealthScripts } from '../../../shared/runtime/health-checks.js';

const certificate = {
  apiVersion: 'cert-manager.io/v1',
  kind: 'Certificate',
  metadata: { name: 'web', namespace: 'shop' },
  status: { conditions: [{ type: 'Ready', status: 'True', message: 'ok' }] },
};

describe('installation health checks', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'health-checks-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('a directory of <group>_<Kind>.lua files is keyed by file name; core kinds start with _', () => {
    writeFileSync(join(dir, 'example.com_Widget.lua'), 'return { status = "Healthy" }');
    writeFileSync(join(dir, '_Service.lua'), 'return { status = "Healthy" }');
    writeFileSync(join(dir, 'README.md'), 'ignored');
    expect(loadHealthScripts(dir).map((s) => s.groupKind)).toEqual(['_Service', 'example.com_Widget']);
  });

  test("an argocd-cm ConfigMap's resource.customizations.health keys are read as Argo CD reads them", () => {
    const file = join(dir, 'argocd-cm.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata: {name: argocd-cm, namespace: argocd}',
        'data:',
        '  url: https://argocd.example.com',
        '  resource.customizations.health.example.com_Widget: |',
        '    return { status = "Suspended", message = "held" }',
      ].join('\n'),
    );
    const scripts = loadHealthScripts(file);
    expect(scripts).toEqual([
      {
        groupKind: 'example.com_Widget',
        origin: 'argocd-cm.yaml:resource.customizations.health.example.com_Widget',
        source: 'return { status = "Suspended", message = "held" }\n',
      },
    ]);
  });

  test("an installation's script replaces the shipped one for the same kind", async () => {
    writeFileSync(
      join(dir, 'cert-manager.io_Certificate.lua'),
      'return { status = "Suspended", message = "mine" }',
    );
    const checks = buildHealthChecks(dir);
    try {
      expect(await checks.assess(certificate)).toEqual({ status: 'Suspended', message: 'mine' });
    } finally {
      await checks.close();
    }
  });

  test('without a path the shipped scripts apply', async () => {
    const checks = buildHealthChecks();
    try {
      expect(checks.kinds()).toEqual([
        'argoproj.io_Rollout',
        'cert-manager.io_Certificate',
        'external-secrets.io_ExternalSecret',
      ]);
      expect(await checks.assess(certificate)).toEqual({ status: 'Healthy', message: 'ok' });
    } finally {
      await checks.close();
    }
  });

  test('a file name that is not a group_Kind key is refused, naming the file', () => {
    writeFileSync(join(dir, 'certificate.lua'), 'return {}');
    expect(() => loadHealthScripts(dir)).toThrow(/certificate\.lua: "certificate" is not a group_Kind key/);
  });

  test('a symlinked script is not followed', () => {
    symlinkSync('/etc/passwd', join(dir, 'example.com_Widget.lua'));
    expect(() => loadHealthScripts(dir)).toThrow(/is not a regular file/);
  });
});
