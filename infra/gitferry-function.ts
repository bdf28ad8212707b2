import { Validations, type Duration, type Size } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  Architecture,
  RecursiveLoop,
  Runtime,
  type ILayerVersion,
  type Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The repository root: entries, the lock file and esbuild are found from here. */
export const projectRoot = fileURLToPath(new URL('..', import.meta.url));

export interface GitferryFunctionProps {
  /** The folder under functions/ holding handler.ts (webhook, worker, drift, api). */
  readonly name: string;
  readonly description: string;
  /**
   * Ships the built web UI (scripts/build-ui.mjs → dist/ui) beside the bundle, in `ui/`: the API
   * function serves it at `/`.
   */
  readonly webUi?: boolean;
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
  readonly fn: NodejsFunction;
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
    this.fn = new NodejsFunction(this, 'Function', {
      entry: join(projectRoot, 'functions', props.name, 'handler.ts'),
      handler: 'handler',
      projectRoot,
      depsLockFilePath: join(projectRoot, 'package-lock.json'),
      // Always explicit: NodejsFunction's default runtime is not the one the bundles target.
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
      bundling: {
        // Same settings as scripts/build-functions.mjs: CJS, with the AWS SDK clients bundled and
        // tree-shaken from their ES module builds (faster init than the runtime's copy, measured
        // in bench/function-bundles.ts, and the tested SDK version is the one deployed).
        format: OutputFormat.CJS,
        mainFields: ['module', 'main'],
        target: 'node22',
        minify: true,
        // The map ships beside the bundle to decode traces; NODE_OPTIONS=--enable-source-maps is
        // left off because it parses the whole map at init, against the cold-start budget.
        sourceMap: true,
        externalModules: [],
        forceDockerBundling: false,
        ...(props.webUi
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                // Built from the checkout's ui/ (about a second), then copied beside index.js.
                afterBundling: (_input: string, output: string) => [
                  `node "${join(projectRoot, 'scripts', 'build-ui.mjs')}" --quiet`,
                  `cp -r "${join(projectRoot, 'dist', 'ui')}" "${output}/ui"`,
                ],
              },
            }
          : {}),
      },
    });
  }
}
