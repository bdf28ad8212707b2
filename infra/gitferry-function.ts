import { AssetHashType, DockerImage, Validations, type Duration, type Size } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  Architecture,
  Code,
  Function as LambdaFunction,
  RecursiveLoop,
  Runtime,
  type ILayerVersion,
  type Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The repository root: entries, the lock file and esbuild are found from here. */
export const projectRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * A function's code: what `scripts/build-functions.mjs --only <name>` writes (index.mjs and its
 * chunks, source maps, the Lua VM's glue.wasm, the web UI for the API), the same build the bundle
 * tests and benchmarks load. Built on this machine at synth; never in Docker (the image named is
 * required by CDK's type and is not pulled). The asset's hash is the output's.
 */
function functionCode(name: string): Code {
  return Code.fromAsset(join(projectRoot, 'functions', name), {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22'),
      local: {
        tryBundle(outputDir: string) {
          execFileSync(
            process.execPath,
            [join(projectRoot, 'scripts', 'build-functions.mjs'), '--only', name, '--outdir', outputDir],
            { stdio: ['ignore', 'inherit', 'inherit'] },
          );
          return true;
        },
      },
    },
  });
}

export interface GitferryFunctionProps {
  /** The folder under functions/ holding handler.ts (webhook, worker, drift, api). */
  readonly name: string;
  readonly description: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly logRetention: RetentionDays;
  readonly environment: Record<string, string>;
  /** @default 512 MiB (Lambda's minimum) */
  readonly ephemeralStorage?: Size;
  readonly layers?: ILayerVersion[];
  /** Runs the function in this VPC (private EKS endpoints). @default not in a VPC */
  readonly vpc?: IVpc;
  readonly vpcSubnets?: SubnetSelection;
  readonly securityGroups?: ISecurityGroup[];
  /**
   * Whether Lambda may run this function in a loop through its own queue. @default Terminate
   * (Lambda stops an SQS → Lambda → same-queue chain after about 16 hops).
   */
  readonly recursiveLoop?: RecursiveLoop;
  /** @default no X-Ray tracing */
  readonly tracing?: Tracing;
  /** @default the account's unreserved pool */
  readonly reservedConcurrentExecutions?: number;
}

/**
 * One Gitferry Lambda: nodejs22.x on arm64, an esbuild bundle of functions/<name>/handler.ts, its
 * own role (no managed policy: it may write only to its own log group) and a log group with
 * retention. Grants for the function's resources are added by the caller, on `role`.
 */
export class GitferryFunction extends Construct {
  readonly fn: LambdaFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: GitferryFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention });
    // A role of our own instead of the default one with AWSLambdaBasicExecutionRole, whose
    // logs:* on every log group is more than a function that logs to one group needs.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Gitferry ${props.name} function`,
    });
    this.logGroup.grantWrite(this.role);
    if (props.vpc) {
      // Creating and deleting ENIs has no resource-level scoping: AWS's own policy is the narrowest.
      this.role.addManagedPolicy(
        ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'),
      );
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        reason:
          'Lambda needs ENI management to run in the VPC; those EC2 actions have no resource-level scoping.',
      });
    }
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'nodejs22.x on purpose: the bundles target node22 and the test machines run Node 20/22; moving to a newer runtime is a tested change, not a default.',
    });
    if (props.tracing) {
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords have no resource-level scoping.',
      });
    }
    this.fn = new LambdaFunction(this, 'Function', {
      code: functionCode(props.name),
      handler: 'index.handler',
      // Always explicit: the bundles target node22.
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      description: props.description,
      memorySize: props.memorySize,
      timeout: props.timeout,
      ephemeralStorageSize: props.ephemeralStorage,
      role: this.role,
      logGroup: this.logGroup,
      environment: props.environment,
      layers: props.layers,
      vpc: props.vpc,
      vpcSubnets: props.vpc ? props.vpcSubnets : undefined,
      securityGroups: props.vpc ? props.securityGroups : undefined,
      recursiveLoop: props.recursiveLoop ?? RecursiveLoop.TERMINATE,
      tracing: props.tracing,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
    });
  }
}
