import { Annotations, Arn, ArnFormat, Aws, Stack, Token } from 'aws-cdk-lib';
import { CfnAccessEntry } from 'aws-cdk-lib/aws-eks';
import { PolicyStatement, type IRole } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

const accessPolicy = (name: string) => `arn:${Aws.PARTITION}:eks::aws:cluster-access-policy/${name}`;

/** Admin within the listed namespaces (the default policy of namespace-scoped entries). */
export const namespaceAdminPolicyArn = accessPolicy('AmazonEKSAdminPolicy');
/** Admin of the whole cluster (only when cluster scope is asked for). */
export const clusterAdminPolicyArn = accessPolicy('AmazonEKSClusterAdminPolicy');
/** Read everything, Secrets included, within the entry's scope (the drift check's). */
export const adminViewPolicyArn = accessPolicy('AmazonEKSAdminViewPolicy');

/**
 * What the worker may do in each registered cluster. Exactly one of:
 * - `namespaces`: an access policy (AmazonEKSAdminPolicy unless told) on those namespaces only.
 *   The objects an app may create are then namespaced ones in those namespaces: no Namespace,
 *   CRD or ClusterRole (those need cluster scope, or RBAC through `kubernetesGroups`).
 * - `kubernetesGroups`: no access policy; the entry maps the role to these Kubernetes groups and
 *   the cluster's own RBAC (RoleBindings, ClusterRoleBindings) says what they may do.
 * - `clusterScope: true`: an access policy (AmazonEKSClusterAdminPolicy unless told) on the
 *   whole cluster. Opt-in only.
 */
export interface ClusterAccessScope {
  readonly namespaces?: string[];
  readonly kubernetesGroups?: string[];
  readonly clusterScope?: boolean;
  /** @default AmazonEKSAdminPolicy for namespaces, AmazonEKSClusterAdminPolicy for cluster scope */
  readonly accessPolicyArn?: string;
}

export interface ClusterAccessProps {
  /** EKS clusters in this stack's account and region: names or ARNs. */
  readonly clusters: string[];
  /** Roles that get an access entry and eks:DescribeCluster on each cluster (the worker's only). */
  readonly roles: IRole[];
  /**
   * Roles that only read, within the same scope (the drift check): AmazonEKSAdminViewPolicy on the
   * same namespaces or the whole cluster; with kubernetesGroups, the same groups (the cluster's RBAC
   * decides, so bind those groups accordingly).
   */
  readonly readers?: IRole[];
  /** Required when there are clusters: no default grants the whole cluster. */
  readonly scope?: ClusterAccessScope;
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

// A Kubernetes namespace name (RFC 1123 label); EKS rejects others only at deploy time.
const namespacePattern = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The access entry's policies and groups for a scope; throws naming the problem. */
export function accessEntryShape(scope: ClusterAccessScope | undefined): {
  accessPolicies?: CfnAccessEntry.AccessPolicyProperty[];
  kubernetesGroups?: string[];
} {
  const chosen = [scope?.namespaces, scope?.kubernetesGroups, scope?.clusterScope || undefined].filter(
    (x) => x !== undefined,
  );
  if (chosen.length !== 1)
    throw new Error(
      'cluster access: choose exactly one scope for the worker in registered clusters: namespaces (-c clusterNamespaces=a,b), kubernetesGroups (-c clusterGroups=g) or clusterScope (-c clusterScope=cluster)',
    );
  if (scope!.namespaces) {
    const bad = scope!.namespaces.filter((n) => !namespacePattern.test(n));
    if (scope!.namespaces.length === 0 || bad.length > 0)
      throw new Error(
        `cluster access: namespaces must be a non-empty list of namespace names${bad.length ? `, not ${bad.map((b) => JSON.stringify(b)).join(', ')}` : ''}`,
      );
    return {
      accessPolicies: [
        {
          policyArn: scope!.accessPolicyArn ?? namespaceAdminPolicyArn,
          accessScope: { type: 'namespace', namespaces: [...scope!.namespaces] },
        },
      ],
    };
  }
  if (scope!.kubernetesGroups) {
    const groups = scope!.kubernetesGroups;
    // EKS refuses groups starting with system: in access entries.
    if (groups.length === 0 || groups.some((g) => g === '' || g.startsWith('system:')))
      throw new Error(
        'cluster access: kubernetesGroups must be a non-empty list of groups not starting with system:',
      );
    if (scope!.accessPolicyArn)
      throw new Error('cluster access: kubernetesGroups take no access policy (the cluster RBAC decides)');
    return { kubernetesGroups: [...groups] };
  }
  return {
    accessPolicies: [
      { policyArn: scope!.accessPolicyArn ?? clusterAdminPolicyArn, accessScope: { type: 'cluster' } },
    ],
  };
}

/** The read-only counterpart of a scope: the same namespaces or cluster, a view policy. */
export function readerEntryShape(scope: ClusterAccessScope | undefined): ReturnType<typeof accessEntryShape> {
  const shape = accessEntryShape(scope);
  if (shape.kubernetesGroups) return shape;
  return {
    accessPolicies: shape.accessPolicies!.map((p) => ({ ...p, policyArn: adminViewPolicyArn })),
  };
}

/**
 * EKS access entries (the API-based authentication mode, no aws-auth ConfigMap to edit) that let
 * Gitferry's worker apply to the given clusters within the chosen scope, and eks:DescribeCluster
 * on exactly those clusters. The clusters' authentication mode must be API or API_AND_CONFIG_MAP.
 */
export class ClusterAccess extends Construct {
  readonly entries: CfnAccessEntry[] = [];

  constructor(scope: Construct, id: string, props: ClusterAccessProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const refs = props.clusters.map((c) => clusterRef(this, c));
    if (refs.length === 0) return;
    const shape = accessEntryShape(props.scope);
    const readerShape = readerEntryShape(props.scope);
    const readers = props.readers ?? [];
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
            ...shape,
          }),
        );
      }
      for (const [j, role] of readers.entries()) {
        this.entries.push(
          new CfnAccessEntry(this, `Reader${i}x${j}`, {
            clusterName: ref.name,
            principalArn: role.roleArn,
            type: 'STANDARD',
            ...readerShape,
          }),
        );
      }
    }
    for (const role of [...props.roles, ...readers]) {
      role.addToPrincipalPolicy(
        new PolicyStatement({ actions: ['eks:DescribeCluster'], resources: refs.map((r) => r.arn) }),
      );
    }
  }
}
