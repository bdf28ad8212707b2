import { Annotations } from 'aws-cdk-lib';
import { Architecture, Code, LayerVersion, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from './gitferry-function.js';

/** What the layer holds when no real one is given: a README, so synth works anywhere. */
export const placeholderToolsLayerPath = join(projectRoot, 'infra', 'tools-layer-placeholder');

export interface ToolsLayerProps {
  /**
   * A directory holding bin/helm and bin/kustomize for linux/arm64 (Lambda mounts it at /opt).
   * Build it with `infra/build-tools-layer.sh` (pinned versions of test/testbed/versions.env).
   * @default the placeholder directory: synth fails unless `plainYamlOnly`
   */
  readonly path?: string;
  /** No app uses Helm or Kustomize: a placeholder layer is fine (a synth warning). @default false */
  readonly plainYamlOnly?: boolean;
}

/** The Lambda layer carrying helm and kustomize for the worker (DESIGN.md: real binaries render). */
export class ToolsLayer extends Construct {
  readonly layer: LayerVersion;
  /** Whether the real binaries are in the layer. */
  readonly complete: boolean;

  constructor(scope: Construct, id: string, props: ToolsLayerProps = {}) {
    super(scope, id);
    const given = props.path;
    this.complete =
      !!given && existsSync(join(given, 'bin', 'helm')) && existsSync(join(given, 'bin', 'kustomize'));
    if (!this.complete) {
      const why = `${given ? `${given} has no bin/helm and bin/kustomize` : 'no toolsLayerPath given'}: the worker's layer would be a placeholder, so Helm and Kustomize apps would fail to render`;
      // A deployment that cannot render what its users push fails now, not at their first sync.
      if (!props.plainYamlOnly)
        throw new Error(
          `${why}. Build the layer with infra/build-tools-layer.sh (then -c toolsLayerPath=dist/tools-layer, the default when it exists), or pass -c plainYamlOnly=true if every app is plain YAML.`,
        );
      Annotations.of(this).addWarningV2('gitferry:toolsLayerMissing', `${why} (plainYamlOnly is set).`);
    }
    this.layer = new LayerVersion(this, 'Layer', {
      code: Code.fromAsset(this.complete ? given! : placeholderToolsLayerPath),
      compatibleArchitectures: [Architecture.ARM_64],
      compatibleRuntimes: [Runtime.NODEJS_22_X],
      description: this.complete
        ? 'helm and kustomize for Gitferry (linux/arm64)'
        : 'placeholder: no helm, no kustomize',
    });
  }
}
