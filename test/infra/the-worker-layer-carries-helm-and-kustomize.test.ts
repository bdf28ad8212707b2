import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthGitferry } from './synth-gitferry.js';

describe('the tools layer', () => {
  test('is an arm64 layer on the worker only', () => {
    const { template } = synthGitferry();
    template.hasResourceProperties('AWS::Lambda::LayerVersion', {
      CompatibleArchitectures: ['arm64'],
      CompatibleRuntimes: ['nodejs22.x'],
    });
    const withLayers = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (f) => f.Properties.Layers,
    );
    expect(withLayers).toHaveLength(1);
  });

  test('without a path, synth fails saying how to build the layer, unless every app is plain YAML', () => {
    expect(() => synthGitferry({ plainYamlOnly: false })).toThrow(
      /no toolsLayerPath given: .*placeholder.*infra\/build-tools-layer.sh.*plainYamlOnly=true/,
    );
    const dir = mkdtempSync(join(tmpdir(), 'gitferry-layer-'));
    try {
      // A directory without the binaries is no layer either.
      expect(() => synthGitferry({ toolsLayerPath: dir, plainYamlOnly: false })).toThrow(/has no bin\/helm/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('with plainYamlOnly, is a placeholder and synth warns that Helm and Kustomize cannot render', () => {
    const { stack, deployer } = synthGitferry({ plainYamlOnly: true });
    expect(deployer.toolsLayer.complete).toBe(false);
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('placeholder.*plainYamlOnly is set'));
  });

  test('with a directory holding bin/helm and bin/kustomize, is that directory and synth does not warn', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gitferry-layer-'));
    try {
      mkdirSync(join(dir, 'bin'));
      for (const tool of ['helm', 'kustomize'])
        writeFileSync(join(dir, 'bin', tool), '#!/bin/sh\n', { mode: 0o755 });
      const { stack, deployer } = synthGitferry({ toolsLayerPath: dir });
      expect(deployer.toolsLayer.complete).toBe(true);
      Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('placeholder'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
