import { Annotations, Arn, ArnFormat, Aws, Stack, Token } from 'aws-cdk-lib';
import { CfnAccessEntry } from 'aws-cdk-lib/aws-eks';
import { PolicyStatement, type IRole } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** The EKS access policy associated with each access entry unless told otherwise. */
export const clusterAdminPolicyArn = `arn:${Aws.PARTITION}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`;

export interface ClusterAccessProps {
  /** EKS clusters in this stack's account and region: names or ARNs. */
  readonly clusters: string[];
  /** Roles that get an access entry and eks:DescribeCluster on each cluster. */
  readonly roles: IRole[];
  /** @default AmazonEKSClusterAdminPolicy (cluster scope) */
  readonly accessPolicyArn?: string;
}

/** A cluster given as a name or an ARN, as its name and ARN. */
export function clusterRef(scope: Construct, cluster: string): { name: string; arn: string } {
  if (cluster.startsWith('arn:')) {
    const name = Arn.split(cluster, ArnFormat.SLASH_RESOURCE_NAME).resourceName;
    if (!name) throw new Error(`cluster ${cluster}: not an EKS cluster ARN (arn:…:eks:…:cluster/<name>)`);
    return { name, arn: cluster };
  }
  return {
    name: cluster,
    arn: Stack.of(scope).formatArn({
      service: 'eks',
      resource: 'cluster',
      resourceName: cluster,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    }),
  };
}

/**
 * EKS access entries (the API-based authentication mode, no aws-auth ConfigMap to edit) that let
 * Gitferry's roles apply to the given clusters, and eks:DescribeCluster on exactly those clusters.
 * The clusters' authentication mode must be API or API_AND_CONFIG_MAP.
 */
export class ClusterAccess extends Construct {
  readonly entries: CfnAccessEntry[] = [];

  constructor(scope: Construct, id: string, props: ClusterAccessProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const refs = props.clusters.map((c) => clusterRef(this, c));
    for (const [i, ref] of refs.entries()) {
      const parts = ref.arn.startsWith('arn:')
        ? Arn.split(ref.arn, ArnFormat.SLASH_RESOURCE_NAME)
        : undefined;
      // An access entry is a resource of the cluster's own account and region.
      const elsewhere =
        parts &&
        ((!Token.isUnresolved(stack.region) && parts.region && parts.region !== stack.region) ||
          (!Token.isUnresolved(stack.account) && parts.account && parts.account !== stack.account));
      if (elsewhere) {
        Annotations.of(this).addWarningV2(
          'gitferry:clusterElsewhere',
          `cluster ${ref.arn} is not in this stack's account and region: no access entry is created for it; grant access there (or register it with a role to assume)`,
        );
        continue;
      }
      for (const [j, role] of props.roles.entries()) {
        this.entries.push(
          new CfnAccessEntry(this, `Entry${i}x${j}`, {
            clusterName: ref.name,
            principalArn: role.roleArn,
            type: 'STANDARD',
            accessPolicies: [
              {
                policyArn: props.accessPolicyArn ?? clusterAdminPolicyArn,
                accessScope: { type: 'cluster' },
              },
            ],
          }),
        );
      }
    }
    if (refs.length === 0) return;
    for (const role of props.roles) {
      role.addToPrincipalPolicy(
        new PolicyStatement({ actions: ['eks:DescribeCluster'], resources: refs.map((r) => r.arn) }),
      );
    }
  }
}
